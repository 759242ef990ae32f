"""Background work shared by every domain (Django Tasks API)."""

from __future__ import annotations

import logging

from django_tasks import task

from . import context
from .audit import verify

logger = logging.getLogger(__name__)


@task()
def verify_audit_chain() -> dict[str, object]:
    """Walk the audit chain; scheduled nightly by operations (see docs/operations.md)."""
    with context.action_context(context.task_context()):
        result = verify()
    if not result.ok:
        logger.error("Audit chain verification failed: %s", result.problem)
    return {"ok": result.ok, "checked": result.checked, "problem": result.problem}
