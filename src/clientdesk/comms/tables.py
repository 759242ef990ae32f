from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from .models import Message


def status_badge(message: Message) -> Any:
    return format_html(
        '<span class="badge badge-{}">{}</span>', message.tone, message.get_status_display()
    )


class MessageTable(tables.Table):
    created_at = tables.DateTimeColumn(
        verbose_name="Created",
        format="d M Y, H:i",
        order_by=("created_at", "id"),
        attrs={"td": {"class": "nowrap"}},
    )
    customer = tables.Column(empty_values=(), orderable=False)
    channel = tables.Column(order_by=("channel", "-created_at", "-id"))
    preview = tables.Column(
        empty_values=(),
        verbose_name="Message",
        orderable=False,
        linkify=("comms:detail", {"pk": tables.A("pk")}),
        attrs={"td": {"class": "wrap"}},
    )
    to_address = tables.Column(verbose_name="To", orderable=False)
    status = tables.Column(order_by=("status", "-created_at", "-id"))
    attempts = tables.Column(
        verbose_name="Tries",
        orderable=False,
        attrs={"th": {"class": "num"}, "td": {"class": "num"}},
    )

    class Meta:
        model = Message
        fields = (
            "created_at",
            "customer",
            "channel",
            "preview",
            "to_address",
            "status",
            "attempts",
        )
        order_by_field = "sort"
        empty_text = "No messages match these filters. Send one from a customer's Messages tab."

    def render_customer(self, record: Message) -> Any:
        url = reverse("customers:tab", args=[record.customer_id, "messages"])
        return format_html(
            '<a href="{}">{}</a><div class="muted mono text-xs">{}</div>',
            url,
            record.customer.full_name,
            record.customer.client_id,
        )

    def render_channel(self, record: Message) -> Any:
        return format_html(
            '{}<div class="muted text-xs">{}</div>',
            record.get_channel_display(),
            record.get_event_display(),
        )

    def render_preview(self, record: Message) -> str:
        return record.preview or "—"

    def render_status(self, record: Message) -> Any:
        return status_badge(record)
