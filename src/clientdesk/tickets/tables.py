from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from . import sla
from .models import SLA_TONES, SLAStatus, Ticket


def badge(tone: str, label: str) -> Any:
    return format_html('<span class="badge badge-{}">{}</span>', tone, label)


class TicketTable(tables.Table):
    select = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th__input": {"aria-label": "Select all", "data-select-all": "ticket"},
            "td__input": {"name": "ticket", "form": "bulk-form", "aria-label": "Select"},
        },
    )
    number = tables.Column(
        verbose_name="Ticket / subject",
        order_by=("number",),
        linkify=("tickets:detail", {"pk": tables.A("pk")}),
    )
    customer = tables.Column(
        accessor="customer__search_name", verbose_name="Customer", orderable=False
    )
    status = tables.Column(order_by=("status", "-created_at", "-id"))
    priority = tables.Column(order_by=("priority", "-created_at", "-id"))
    sla = tables.Column(accessor="sla_status", verbose_name="SLA", orderable=False)
    assignees = tables.Column(empty_values=(), orderable=False)
    created = tables.DateTimeColumn(
        accessor="created_at",
        verbose_name="Created",
        order_by=("created_at", "id"),
        format="d M, H:i",
    )

    # Rows are written out in one small template (django-tables2's per-cell rendering costs
    # tens of milliseconds per page); the header, sorting and paging stay django-tables2's.
    row_template = "tickets/_row.html"

    class Meta:
        model = Ticket
        fields = (
            "select",
            "number",
            "customer",
            "status",
            "priority",
            "sla",
            "assignees",
            "created",
        )
        order_by_field = "sort"
        empty_text = "No tickets match. Open one from a customer's profile or with “New ticket”."

    def __init__(self, data: Any, *args: Any, request: Any = None, **kwargs: Any) -> None:
        # The list view pages the table itself with a LazyPaginator; letting django-tables2
        # configure it from ``request`` here as well would run a COUNT(*) over every match.
        super().__init__(data, *args, **kwargs)
        self.request = request
        self.now = timezone.now()

    def render_number(self, record: Ticket) -> Any:
        return format_html(
            '<span class="mono">{}</span><div class="muted text-sm">{}</div>',
            record.number,
            record.subject.name,
        )

    def render_customer(self, record: Ticket) -> Any:
        customer = record.customer
        return format_html(
            '<a href="{}">{}</a>',
            reverse("customers:detail", args=[customer.pk]),
            customer.full_name,
        )

    def render_status(self, record: Ticket) -> Any:
        return badge(record.status_tone, record.get_status_display())

    def render_priority(self, record: Ticket) -> Any:
        return badge(record.priority_tone, record.get_priority_display())

    def render_sla(self, record: Ticket) -> Any:
        state = SLAStatus(sla.status_of(record, self.now))
        return badge(SLA_TONES[state], state.label)

    def render_assignees(self, record: Ticket) -> Any:
        people = list(record.assignees.all())
        if not people:
            return format_html('<span class="muted">{}</span>', "Unassigned")
        return format_html_join(", ", "{}", ((str(u),) for u in people))
