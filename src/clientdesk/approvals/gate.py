"""The gate services call before a change that may need a second person.

``require(key, actor=..., target=..., payload=...)`` returns when the change may go ahead
(approvals switched off, the action not enabled, or the change is being applied by an
approval right now), and otherwise stores a request and raises ``PendingApproval`` carrying
it: pages show "Sent for approval" (``approvals.middleware``), the API answers 202.

Call it before the service's own transaction: the request must survive the exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

_bypass: ContextVar[bool] = ContextVar("approvals_bypass", default=False)


class PendingApproval(Exception):
    def __init__(self, request: Any) -> None:
        self.request = request
        super().__init__(f"Sent for approval (request #{request.pk}); a second person decides.")


@contextmanager
def bypass() -> Iterator[None]:
    token = _bypass.set(True)
    try:
        yield
    finally:
        _bypass.reset(token)


def is_active(action_key: str) -> bool:
    """Whether ``action_key`` needs approval now (one query when approvals are on)."""
    if _bypass.get() or not settings.APPROVALS_ENABLED:
        return False
    from .policies import effective

    return effective(action_key).enabled


def require(action_key: str, *, actor: Any, target: Any = None, payload: dict[str, Any]) -> None:
    if not is_active(action_key):
        return
    from . import services

    if services.consume_grant(action_key, actor=actor, payload=payload):
        return
    request = services.submit(action_key, actor=actor, target=target, payload=payload)
    raise PendingApproval(request)
