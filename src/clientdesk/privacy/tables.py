from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .models import Breach, DataRequest


def due_badge(record: DataRequest, now: Any = None) -> Any:
    when = timezone.localtime(record.due_at)
    if record.is_overdue(now):
        return format_html('<span class="badge badge-red">Overdue · {}</span>', f"{when:%d %b %Y}")
    return format_html('<span class="nowrap">{}</span>', f"{when:%d %b %Y}")


def person_link(record: DataRequest) -> Any:
    if record.customer is not None:
        url = reverse("customers:detail", args=[record.customer_id])
        return format_html('<a href="{}">{}</a>', url, record.customer.full_name)
    url = reverse("leads:detail", args=[record.lead_id])
    return format_html('<a href="{}">{}</a> <span class="muted">(lead)</span>', url, record.lead)


class DataRequestTable(tables.Table):
    number = tables.Column(order_by=("number",), linkify=("privacy:detail", {"pk": tables.A("pk")}))
    kind = tables.Column(order_by=("kind", "id"))
    person = tables.Column(empty_values=(), verbose_name="About", orderable=False)
    regime = tables.Column(orderable=False, verbose_name="Law")
    status = tables.Column(order_by=("status", "id"))
    received = tables.Column(accessor="received_at", order_by=("received_at", "id"))
    age = tables.Column(empty_values=(), verbose_name="Age (days)", orderable=False)
    due = tables.Column(accessor="due_at", order_by=("due_at", "id"), empty_values=())

    class Meta:
        model = DataRequest
        fields = ("number", "kind", "person", "regime", "status", "received", "age", "due")
        order_by_field = "sort"
        empty_text = "No data-protection requests match. Register one with “New request”."

    def render_person(self, record: DataRequest) -> Any:
        return person_link(record)

    def render_status(self, record: DataRequest) -> Any:
        return format_html(
            '<span class="badge badge-{}">{}</span>',
            record.status_tone,
            record.get_status_display(),
        )

    def render_received(self, value: Any) -> str:
        return f"{timezone.localtime(value):%d %b %Y}"

    def render_age(self, record: DataRequest) -> int:
        return record.age_days()

    def render_due(self, record: DataRequest) -> Any:
        return due_badge(record)


class BreachTable(tables.Table):
    number = tables.Column(linkify=("privacy:breach", {"pk": tables.A("pk")}), orderable=False)
    title = tables.Column(orderable=False)
    status = tables.Column(orderable=False)
    detected_at = tables.Column(verbose_name="Detected", orderable=False)
    affected_count = tables.Column(verbose_name="Affected customers", orderable=False)
    deadline = tables.Column(
        empty_values=(), verbose_name="Authority deadline (72 h)", orderable=False
    )

    class Meta:
        model = Breach
        fields = ("number", "title", "status", "detected_at", "affected_count", "deadline")
        empty_text = "No breaches recorded."

    def render_detected_at(self, value: Any) -> str:
        return f"{timezone.localtime(value):%d %b %Y, %H:%M}"

    def render_deadline(self, record: Breach) -> str:
        return f"{timezone.localtime(record.gdpr_deadline):%d %b %Y, %H:%M}"
