"""Reads of tasks, always through ``visible_to``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import OPEN_STATUSES, Task

GROUPS = (
    ("overdue", "Overdue"),
    ("today", "Today"),
    ("upcoming", "Upcoming"),
    ("no_date", "No date"),
)


def task_for(user: Any, pk: int) -> Task:
    """Fetch and authorize together: 404 for what the user may not see."""
    return get_object_or_404(Task.objects.visible_to(user).for_list(), pk=pk)


def start_of_tomorrow(now: dt.datetime | None = None) -> dt.datetime:
    today = timezone.localtime(now or timezone.now()).date()
    return timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))


def due_count(user: Any) -> int:
    """The user's open tasks that are overdue or due today (the sidebar badge)."""
    return Task.objects.filter(
        assignee=user, status__in=OPEN_STATUSES, due_at__lt=start_of_tomorrow()
    ).count()


@dataclass
class TaskGroup:
    key: str
    label: str
    tasks: list[Task] = field(default_factory=list)


def group_tasks(tasks: list[Task], now: dt.datetime | None = None) -> list[TaskGroup]:
    """Overdue / Today / Upcoming / No date, each in due order (the "My tasks" page)."""
    now = now or timezone.now()
    tomorrow = start_of_tomorrow(now)
    groups = {key: TaskGroup(key, label) for key, label in GROUPS}
    for task in tasks:
        if task.due_at is None:
            key = "no_date"
        elif task.is_open and task.due_at < now:
            key = "overdue"
        elif task.due_at < tomorrow:
            key = "today"
        else:
            key = "upcoming"
        groups[key].tasks.append(task)
    return list(groups.values())


def customer_tasks(user: Any, customer: Any) -> QuerySet[Task]:
    """A customer's tasks: open ones first (by due time), then the finished ones."""
    open_first = Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        Task.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("assignee")
        .order_by(open_first, F("due_at").asc(nulls_last=True), "id")
    )
