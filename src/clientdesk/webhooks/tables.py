from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from .models import WebhookDelivery


class DeliveryTable(tables.Table):
    created_at = tables.DateTimeColumn(
        verbose_name="Created",
        format="d M Y, H:i:s",
        order_by=("created_at", "id"),
        linkify=("webhooks:delivery", {"pk": tables.A("pk")}),
        attrs={"td": {"class": "nowrap"}},
    )
    event_type = tables.Column(verbose_name="Event", orderable=False)
    endpoint = tables.Column(orderable=False)
    status = tables.Column(order_by=("status", "-created_at", "-id"))
    response_status = tables.Column(verbose_name="Response", orderable=False)
    duration_ms = tables.Column(
        verbose_name="Time (ms)",
        orderable=False,
        attrs={"th": {"class": "num"}, "td": {"class": "num"}},
    )
    attempts = tables.Column(
        verbose_name="Attempts", attrs={"th": {"class": "num"}, "td": {"class": "num"}}
    )
    next_attempt_at = tables.DateTimeColumn(
        verbose_name="Next try", format="d M, H:i", orderable=False
    )

    class Meta:
        model = WebhookDelivery
        fields = (
            "created_at",
            "event_type",
            "endpoint",
            "status",
            "response_status",
            "duration_ms",
            "attempts",
            "next_attempt_at",
        )
        order_by_field = "sort"
        empty_text = (
            "No deliveries match these filters. Events are sent once an endpoint subscribes."
        )

    def render_event_type(self, record: WebhookDelivery) -> Any:
        return format_html('<span class="mono text-xs">{}</span>', record.event_type)

    def render_endpoint(self, record: WebhookDelivery) -> Any:
        url = reverse("webhooks:endpoint", args=[record.endpoint_id])
        return format_html('<a href="{}">{}</a>', url, record.endpoint)

    def render_status(self, record: WebhookDelivery) -> Any:
        return format_html(
            '<span class="badge badge-{}">{}</span>', record.tone, record.get_status_display()
        )
