from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.html import format_html

from .models import Task
from .services import subject_url


def subject_link(task: Task) -> Any:
    if not task.subject_type:
        return format_html('<span class="muted">—</span>')
    try:
        url = subject_url(task.subject_type, task.subject_id)
    except NoReverseMatch:
        url = ""
    if not url:
        return task.subject_label
    return format_html('<a href="{}">{}</a>', url, task.subject_label)


def due_badge(task: Task, now: Any = None) -> Any:
    if task.due_at is None:
        return format_html('<span class="muted">No date</span>')
    when = timezone.localtime(task.due_at)
    if task.is_overdue(now):
        return format_html(
            '<span class="badge badge-red" title="Overdue">Overdue · {}</span>',
            f"{when:%d %b, %H:%M}",
        )
    return format_html('<span class="nowrap">{}</span>', f"{when:%d %b %Y, %H:%M}")


class TaskTable(tables.Table):
    title = tables.Column(
        order_by=("title", "id"), linkify=("followups:detail", {"pk": tables.A("pk")})
    )
    subject = tables.Column(empty_values=(), verbose_name="About", orderable=False)
    assignee = tables.Column(orderable=False)
    priority = tables.Column(order_by=("priority_rank", "id"))
    status = tables.Column(order_by=("status", "id"))
    due = tables.Column(
        accessor="due_at", verbose_name="Due", order_by=("due_at", "id"), empty_values=()
    )

    class Meta:
        model = Task
        fields = ("title", "subject", "assignee", "priority", "status", "due")
        order_by_field = "sort"
        empty_text = (
            "No tasks match. Add one from a customer's, lead's or ticket's page, "
            "or with “Add task”."
        )

    def render_subject(self, record: Task) -> Any:
        return subject_link(record)

    def render_assignee(self, record: Task) -> str:
        return record.assignee.display_name if record.assignee else "—"

    def render_priority(self, record: Task) -> Any:
        return format_html(
            '<span class="badge badge-{}">{}</span>',
            record.priority_tone,
            record.get_priority_display(),
        )

    def render_status(self, record: Task) -> Any:
        return format_html(
            '<span class="badge badge-{}">{}</span>',
            record.status_tone,
            record.get_status_display(),
        )

    def render_due(self, record: Task) -> Any:
        return due_badge(record)
