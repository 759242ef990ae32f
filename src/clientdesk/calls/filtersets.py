"""One FilterSet for the call list page and ``/api/v1/calls/``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters as filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from clientdesk.core.filters import DayBoundFilter, NumberFilter
from clientdesk.core.validators import normalize_phone

from .models import CallLog, CallStatus, Direction

PERIODS = (
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("this_week", "This week"),
    ("last_week", "Last week"),
    ("this_month", "This month"),
    ("custom", "Custom (from / to)"),
)

# Aliases are the call table's column names: its header links send ``sort=<column>``.
SORTABLE = (
    ("started_at", "started_at"),
    ("duration_seconds", "duration"),
    ("status", "status"),
    ("party_number", "party"),
)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def period_range(period: str, today: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a preset in the site's time zone; weeks start on Monday."""
    today = today or timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    first = today.replace(day=1)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    days = {
        "today": (today, today + dt.timedelta(days=1)),
        "yesterday": (today - dt.timedelta(days=1), today),
        "this_week": (monday, monday + dt.timedelta(days=7)),
        "last_week": (monday - dt.timedelta(days=7), monday),
        "this_month": (first, next_month),
    }[period]
    return _midnight(days[0]), _midnight(days[1])


def filter_by_number(queryset: QuerySet[CallLog], term: str) -> QuerySet[CallLog]:
    """A full number matches exactly (any format); a fragment of 3+ digits matches inside."""
    term = term.strip()
    if not term:
        return queryset
    try:
        number = normalize_phone(term)
    except ValidationError:
        digits = "".join(ch for ch in term if ch.isdigit())
        if len(digits) < 3:
            return queryset.none()
        return queryset.filter(
            Q(party_number__contains=digits)
            | Q(from_number__contains=digits)
            | Q(to_number__contains=digits)
        )
    return queryset.filter(Q(party_number=number) | Q(from_number=number) | Q(to_number=number))


class CallFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        method="search_number",
        label="Number",
        help_text="A full number in any format, or 3+ digits of one",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search by number"}),
    )
    period = filters.ChoiceFilter(
        choices=PERIODS, method="filter_period", label="Date", empty_label="Any time"
    )
    started_after = DayBoundFilter(field_name="started_at", bound="from", label="From")
    started_before = DayBoundFilter(field_name="started_at", bound="to", label="To")
    direction = filters.ChoiceFilter(choices=Direction.choices, empty_label="Any direction")
    status = filters.MultipleChoiceFilter(
        distinct=False,
        choices=CallStatus.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )
    staff = filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(is_active=True),
        label="Staff member",
        empty_label="Anyone",
    )
    is_cold_call = filters.BooleanFilter(
        label="Cold call",
        widget=forms.Select(choices=[("", "Any"), ("true", "Cold calls"), ("false", "Not cold")]),
    )
    customer = NumberFilter(field_name="customer_id", widget=forms.HiddenInput)
    lead = NumberFilter(field_name="lead_id", widget=forms.HiddenInput)
    sort = filters.OrderingFilter(fields=SORTABLE, label="Sort")

    class Meta:
        model = CallLog
        fields: list[str] = []

    def search_number(
        self, queryset: QuerySet[CallLog], name: str, value: Any
    ) -> QuerySet[CallLog]:
        return filter_by_number(queryset, value)

    def filter_period(
        self, queryset: QuerySet[CallLog], name: str, value: Any
    ) -> QuerySet[CallLog]:
        if not value or value == "custom":
            return queryset  # "custom" uses the From / To filters
        start, end = period_range(value)
        return queryset.filter(started_at__gte=start, started_at__lt=end)

    @property
    def qs(self) -> QuerySet[CallLog]:
        queryset = super().qs
        # Newest first by default, with a stable tie-breaker for pages and API cursors.
        ordering = list(queryset.query.order_by) or ["-started_at"]
        if not any(o.lstrip("-") == "id" for o in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return queryset.order_by(*ordering)
