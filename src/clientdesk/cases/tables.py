from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html

from .models import Case


def sla_state(case: Case, now: Any = None) -> tuple[str, str]:
    """(label, tone) of the case's due date: met, due soon (within a day), overdue."""
    now = now or timezone.now()
    if not case.is_open:
        return ("Closed", "grey")
    if case.due_at < now:
        return ("Overdue", "red")
    if (case.due_at - now).total_seconds() < 86400:
        return ("Due soon", "amber")
    return ("On track", "green")


class CaseTable(tables.Table):
    number = tables.Column(verbose_name="Case", linkify=("cases:detail", {"pk": tables.A("pk")}))
    title = tables.Column(orderable=False)
    customer = tables.Column(
        accessor="customer__full_name", verbose_name="Customer", orderable=False
    )
    status = tables.Column(order_by=("status", "-created_at", "-id"))
    priority = tables.Column(order_by=("priority", "-created_at", "-id"))
    sla = tables.Column(accessor="due_at", verbose_name="Due", order_by=("due_at", "id"))
    age = tables.Column(accessor="created_at", verbose_name="Age", order_by=("created_at", "id"))
    assigned_to = tables.Column(verbose_name="Assignee", orderable=False)

    class Meta:
        model = Case
        fields = ("number", "title", "customer", "status", "priority", "sla", "age", "assigned_to")
        order_by_field = "sort"
        empty_text = "No cases match. Open one from an alert, a screening hit or a customer's page."

    def render_status(self, record: Case) -> Any:
        return format_html(
            '<span class="badge badge-{}">{}</span>', record.tone, record.get_status_display()
        )

    def render_priority(self, record: Case) -> Any:
        return format_html(
            '<span class="badge badge-{}">{}</span>',
            record.priority_tone,
            record.get_priority_display(),
        )

    def render_sla(self, record: Case) -> Any:
        label, tone = sla_state(record)
        return format_html(
            '{} <span class="badge badge-{} badge-plain" data-testid="sla-badge">{}</span>',
            timezone.localtime(record.due_at).strftime("%d %b"),
            tone,
            label,
        )

    def render_age(self, record: Case) -> Any:
        days = (timezone.now() - record.created_at).days
        return f"{days} d"

    def render_assigned_to(self, record: Case) -> Any:
        return record.assigned_to.display_name if record.assigned_to else "—"
