from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from clientdesk.core.tables import badge

from .models import ScreeningHit


def score_tone(score: Any) -> str:
    return "red" if score >= 95 else "amber" if score >= 90 else "blue"


class ScreeningHitTable(tables.Table):
    customer = tables.Column(
        accessor="customer__search_name", verbose_name="Customer", orderable=False
    )
    entry_name = tables.Column(
        verbose_name="Listed party",
        orderable=False,
        linkify=("screening:hit", {"pk": tables.A("pk")}),
    )
    screening_list = tables.Column(verbose_name="List", orderable=False)
    score = tables.Column(order_by=("score", "id"))
    status = tables.Column(order_by=("status", "-created_at", "-id"))
    created_at = tables.Column(verbose_name="Raised", order_by=("created_at", "id"))

    class Meta:
        model = ScreeningHit
        fields = (
            "customer",
            "entry_name",
            "screening_list",
            "score",
            "status",
            "created_at",
        )
        order_by_field = "sort"
        empty_text = (
            "No screening hits match. Customers are screened at registration, when their name "
            "or date of birth changes, and all again when a list is loaded."
        )

    def __init__(self, data: Any, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.request = request

    def render_customer(self, record: ScreeningHit) -> Any:
        customer = record.customer
        return format_html(
            '<a href="{}">{}</a><div class="muted text-sm mono">{}</div>',
            reverse("customers:tab", args=[customer.pk, "risk"]),
            customer.full_name,
            customer.client_id,
        )

    def render_entry_name(self, record: ScreeningHit, value: str) -> Any:
        alias = record.matched_name if record.matched_name != record.entry_name else ""
        if not alias:
            return value
        return format_html('{}<div class="muted text-sm">as “{}”</div>', value, alias)

    def render_score(self, record: ScreeningHit) -> Any:
        return badge(score_tone(record.score), f"{record.score:.1f}")

    def render_status(self, record: ScreeningHit) -> Any:
        if record.decided_by is None:
            return badge(record.tone, record.get_status_display())
        who = getattr(record.decided_by, "display_name", "") or record.decided_by.username
        return format_html(
            '{}<div class="muted text-sm">by {}</div>',
            badge(record.tone, record.get_status_display()),
            who,
        )

    def render_created_at(self, record: ScreeningHit) -> Any:
        return format_html(
            '<span class="nowrap">{}</span><div class="muted text-sm">{}</div>',
            date_format(timezone.localtime(record.created_at), "d M Y, H:i"),
            record.get_trigger_display(),
        )
