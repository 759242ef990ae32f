"""Background work for KYC documents (Django Tasks API)."""

from __future__ import annotations

from django_tasks import task

from clientdesk.core import context

from . import services


@task()
def verify_document(document_id: int) -> str:
    """The automatic checks of one uploaded document; safe to run twice."""
    with context.action_context(context.task_context()):
        document = services.run_checks(document_id)
    return document.check_outcome if document else "missing"
