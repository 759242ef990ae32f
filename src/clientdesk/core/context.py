"""Who is acting and from where: the context every audit record is stamped with.

The middleware sets it for web and API requests, ``task_context`` for background tasks;
anything else (management commands, the shell) falls back to source "cli".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ActionContext:
    source: str = "cli"  # web | api | cli | task
    ip_address: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)


_current: ContextVar[ActionContext | None] = ContextVar("clientdesk_action_context", default=None)


def current() -> ActionContext:
    ctx = _current.get()
    if ctx is None:
        ctx = ActionContext()
        _current.set(ctx)
    return ctx


def peek() -> ActionContext | None:
    """The current context if one was set, without creating one (logging reads this)."""
    return _current.get()


@contextmanager
def action_context(ctx: ActionContext) -> Iterator[ActionContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def task_context() -> ActionContext:
    return ActionContext(source="task")
