"""Periodic background work without an extra scheduler service.

Apps register a task and an interval; ``manage.py run_schedule`` (from cron every minute,
or with ``--loop`` as a long-running process) enqueues each task when it is due. The last
enqueue time is kept in the database under a row lock, so two schedulers never double-fire.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Any  # a django_tasks Task
    every: dt.timedelta


_registry: dict[str, Periodic] = {}


def register(name: str, task: Any, every: dt.timedelta) -> None:
    _registry[name] = Periodic(name, task, every)


def registered() -> list[Periodic]:
    return sorted(_registry.values(), key=lambda p: p.name)


def run_due(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every registered task whose interval has passed; return their names."""
    from .models import ScheduleState

    now = now or timezone.now()
    fired = []
    for periodic in registered():
        with transaction.atomic():
            state, _ = ScheduleState.objects.select_for_update().get_or_create(name=periodic.name)
            due = state.last_enqueued_at is None or now - state.last_enqueued_at >= periodic.every
            if not due:
                continue
            state.last_enqueued_at = now
            state.save(update_fields=["last_enqueued_at"])
            transaction.on_commit(periodic.task.enqueue)
        fired.append(periodic.name)
    return fired
