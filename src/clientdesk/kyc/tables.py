from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from clientdesk.core.tables import badge
from clientdesk.customers.models import Customer

from .models import OUTCOME_RISK, OUTCOME_TONES, CheckOutcome
from .selectors import age_text

_RANK_OUTCOME = {rank: outcome for outcome, rank in OUTCOME_RISK.items()}
_RISK_TONES = {"high": "red", "medium": "amber", "low": "green"}


class ReviewQueueTable(tables.Table):
    customer = tables.Column(
        accessor="search_name", verbose_name="Customer", order_by=("search_name", "id")
    )
    kyc_status = tables.Column(verbose_name="KYC status", orderable=False)
    risk = tables.Column(
        accessor="risk_score", verbose_name="Risk", empty_values=(), order_by=("-risk_score", "id")
    )
    checks = tables.Column(
        accessor="worst_check", verbose_name="Automatic checks", empty_values=(), orderable=False
    )
    waiting = tables.Column(
        verbose_name="Documents",
        orderable=False,
        attrs={"th": {"class": "num"}, "td": {"class": "num"}},
    )
    age = tables.Column(
        accessor="waiting_since", verbose_name="Waiting", order_by=("waiting_since", "id")
    )
    action = tables.Column(empty_values=(), verbose_name="", orderable=False)

    class Meta:
        model = Customer
        fields = ("customer", "kyc_status", "risk", "checks", "waiting", "age", "action")
        order_by_field = "sort"
        empty_text = "Nothing waits for review. New uploads appear here as soon as they arrive."

    def __init__(self, data: Any, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.request = request
        self.now = timezone.now()

    def render_customer(self, record: Customer) -> Any:
        return format_html(
            '<a href="{}">{}</a><div class="muted text-sm mono">{}</div>',
            reverse("kyc:review", args=[record.pk]),
            record.full_name,
            record.client_id,
        )

    def render_kyc_status(self, record: Customer) -> Any:
        return badge(record.kyc_tone, record.get_kyc_status_display())

    def render_risk(self, record: Customer) -> Any:
        if not record.risk_level:
            return format_html('<span class="muted">{}</span>', "Not rated")
        score = f" · {record.risk_score}" if record.risk_score is not None else ""
        return badge(
            _RISK_TONES.get(record.risk_level, "grey"), f"{record.get_risk_level_display()}{score}"
        )

    def render_checks(self, record: Customer) -> Any:
        outcome = _RANK_OUTCOME.get(record.worst_check, "pending")  # type: ignore[attr-defined]
        return badge(OUTCOME_TONES[outcome], CheckOutcome(outcome).label)

    def render_age(self, record: Customer) -> Any:
        since = record.waiting_since  # type: ignore[attr-defined]
        return format_html(
            '<span title="{}">{}</span>', f"{since:%d %b %Y, %H:%M}", age_text(since, self.now)
        )

    def render_action(self, record: Customer) -> Any:
        return format_html(
            '<a class="btn btn-secondary btn-sm" href="{}">Review</a>',
            reverse("kyc:review", args=[record.pk]),
        )
