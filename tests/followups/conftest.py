from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from clientdesk.followups import services
from clientdesk.followups.models import Task


@pytest.fixture
def make_task(db: None) -> Callable[..., Task]:
    """``make_task(actor, subject=None, title=..., due_in=timedelta | None, **data)``."""

    def make(
        actor: Any, *, subject: Any = None, due_in: Any = dt.timedelta(hours=2), **data: Any
    ) -> Task:
        data.setdefault("title", "Call back about the account")
        if "due_at" not in data:
            data["due_at"] = timezone.now() + due_in if due_in is not None else None
        return services.create_task(actor=actor, data=data, subject=subject)

    return make
