from __future__ import annotations

from typing import Any

from django import template

from ..tables import due_badge, subject_link

register = template.Library()


@register.filter
def task_subject(task: Any) -> Any:
    """The record a task is about, linked ("Customer: Asha Verma (CD-000001)")."""
    return subject_link(task)


@register.simple_tag
def task_due(task: Any, now: Any = None) -> Any:
    """The due time; a red "Overdue" badge for open tasks past it."""
    return due_badge(task, now)
