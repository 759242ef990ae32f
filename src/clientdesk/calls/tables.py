from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .models import CallLog, Direction


def party_link(call: CallLog) -> Any:
    """The customer or lead on the other end, linked; the bare number when unknown."""
    if call.customer_id and call.customer is not None:
        url = reverse("customers:tab", args=[call.customer_id, "calls"])
        return format_html('<a href="{}">{}</a>', url, call.customer.full_name)
    if call.lead_id and call.lead is not None:
        url = reverse("leads:detail", args=[call.lead_id])
        return format_html(
            '<a href="{}">{}</a> <span class="badge badge-blue badge-plain">Lead</span>',
            url,
            call.lead.full_name,
        )
    return mark_safe('<span class="muted">Unknown</span>')


def direction_badge(call: CallLog) -> Any:
    incoming = call.direction == Direction.INCOMING
    icon = '<span class="icon icon-sm icon-phone" aria-hidden="true"></span>'
    return format_html(
        '<span class="nowrap">{} {}</span>', format_html(icon), "In" if incoming else "Out"
    )


class CallTable(tables.Table):
    started_at = tables.DateTimeColumn(
        verbose_name="Started", format="d M Y, H:i", order_by=("started_at", "id")
    )
    party = tables.Column(
        empty_values=(), verbose_name="Customer / lead", order_by=("party_number", "id")
    )
    direction = tables.Column(orderable=False)
    status = tables.Column(order_by=("status", "started_at", "id"))
    duration = tables.Column(
        accessor="duration_seconds",
        verbose_name="Duration",
        order_by=("duration_seconds", "id"),
        attrs={"th": {"class": "num"}, "td": {"class": "num"}},
    )
    staff = tables.Column(verbose_name="Staff", orderable=False)
    notes = tables.Column(orderable=False, attrs={"td": {"class": "wrap"}})

    class Meta:
        model = CallLog
        fields = ("started_at", "party", "direction", "status", "duration", "staff", "notes")
        order_by_field = "sort"
        empty_text = (
            "No calls match. Calls logged on a customer's profile, or synced by a phone app, "
            "appear here."
        )

    def render_direction(self, record: CallLog) -> Any:
        return direction_badge(record)

    def render_party(self, record: CallLog) -> Any:
        cold = (
            format_html(' <span class="badge badge-blue">Cold call</span>')
            if record.is_cold_call
            else ""
        )
        return format_html(
            '{}<div class="text-sm"><span class="mono muted nowrap">{}</span>{}</div>',
            party_link(record),
            record.party_number,
            cold,
        )

    def render_staff(self, record: CallLog) -> str:
        return record.staff.display_name if record.staff else "—"

    def render_status(self, record: CallLog) -> Any:
        return format_html(
            '<span class="badge badge-{}">{}</span>', record.tone, record.get_status_display()
        )

    def render_duration(self, record: CallLog) -> str:
        return record.duration_display

    def render_notes(self, value: str) -> str:
        return value if len(value) <= 120 else value[:117] + "…"
