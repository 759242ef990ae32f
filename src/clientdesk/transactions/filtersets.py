"""One FilterSet per list, shared by the pages and ``/api/v1/``.

Every ``qs`` ends its ordering with ``id`` so pages and API cursors stay stable.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters as filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet, Subquery
from django.utils import timezone

from clientdesk.core.filters import DayBoundFilter, NumberFilter

from . import currencies
from .models import (
    OPEN_ALERT_STATUSES,
    Account,
    Alert,
    AlertKind,
    AlertStatus,
    Channel,
    Device,
    DeviceStatus,
    DeviceType,
    Direction,
    Merchant,
    Rule,
    RuleType,
    Severity,
    Transaction,
    TransactionStatus,
    TransactionType,
)

PERIODS = (
    ("today", "Today"),
    ("last_7_days", "Last 7 days"),
    ("last_30_days", "Last 30 days"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("last_12_months", "Last 12 months"),
    ("custom", "Custom (from / to)"),
)

# Aliases are the table's column names: header links send ``sort=<column>``.
TRANSACTION_SORTS = (
    ("occurred_at", "occurred_at"),
    ("amount", "amount"),
    ("amount_base", "amount_base"),
    ("status", "status"),
    ("type", "type"),
)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def period_range(period: str, today: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a preset in the site's time zone."""
    today = today or timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    first = today.replace(day=1)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    last_month = (first - dt.timedelta(days=1)).replace(day=1)
    days = {
        "today": (today, tomorrow),
        "last_7_days": (today - dt.timedelta(days=6), tomorrow),
        "last_30_days": (today - dt.timedelta(days=29), tomorrow),
        "this_month": (first, next_month),
        "last_month": (last_month, first),
        "last_12_months": (
            today.replace(year=today.year - 1) + dt.timedelta(days=1)
            if not (today.month == 2 and today.day == 29)
            else today - dt.timedelta(days=365),
            tomorrow,
        ),
    }[period]
    return _midnight(days[0]), _midnight(days[1])


def _stable(queryset: QuerySet[Any], default: str) -> QuerySet[Any]:
    ordering = list(queryset.query.order_by) or [default]
    if not any(str(o).lstrip("-") == "id" for o in ordering):
        ordering.append("-id" if str(ordering[0]).startswith("-") else "id")
    return queryset.order_by(*ordering)


def _chips() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "chips"})


class TransactionFilterSet(filters.FilterSet):
    """Transactions: a customer's tab, the global list and ``GET /api/v1/transactions/``."""

    q = filters.CharFilter(
        field_name="external_id",
        label="Transaction ID",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Transaction ID"}),
    )
    customer = NumberFilter(field_name="customer_id", widget=forms.HiddenInput)
    account = NumberFilter(method="filter_account", widget=forms.HiddenInput)
    period = filters.ChoiceFilter(
        choices=PERIODS, method="filter_period", label="Date", empty_label="Any time"
    )
    occurred_after = DayBoundFilter(field_name="occurred_at", bound="from", label="From")
    occurred_before = DayBoundFilter(field_name="occurred_at", bound="to", label="To")
    status = filters.MultipleChoiceFilter(
        choices=TransactionStatus.choices, distinct=False, widget=_chips()
    )
    type = filters.MultipleChoiceFilter(
        choices=TransactionType.choices, distinct=False, widget=_chips()
    )
    direction = filters.ChoiceFilter(choices=Direction.choices, empty_label="Any direction")
    channel = filters.ChoiceFilter(choices=Channel.choices, empty_label="Any channel")
    merchant = NumberFilter(field_name="merchant_id", label="Merchant")
    device = NumberFilter(field_name="device_id", label="Device")
    currency = filters.CharFilter(
        method="filter_currency", label="Currency", help_text="ISO 4217 code, e.g. INR"
    )
    amount_min = NumberFilter(field_name="amount", lookup_expr="gte", label="Amount from")
    amount_max = NumberFilter(field_name="amount", lookup_expr="lte", label="Amount to")
    sort = filters.OrderingFilter(fields=TRANSACTION_SORTS, label="Sort")

    class Meta:
        model = Transaction
        fields: list[str] = []

    def filter_period(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if not value or value == "custom":
            return queryset
        start, end = period_range(value)
        return queryset.filter(occurred_at__gte=start, occurred_at__lt=end)

    def filter_account(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        """One account's transactions, found among its customer's (``tx_customer_time_idx``):
        transactions have no index of their own on the account, one fewer to write per
        row at intake (docs/decisions.md)."""
        owner = Account.objects.filter(pk=value).values("customer_id")[:1]
        return queryset.filter(customer_id=Subquery(owner), account_id=value)

    def filter_currency(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        code = (value or "").strip().upper()
        if not code:
            return queryset
        if not currencies.is_valid(code):
            return queryset.none()
        return queryset.filter(currency=code)

    @property
    def qs(self) -> QuerySet[Transaction]:
        return _stable(super().qs, "-occurred_at")


class AlertFilterSet(filters.FilterSet):
    """Monitoring alerts: the alert queue, a customer's alerts and ``/api/v1/alerts/``."""

    customer = NumberFilter(field_name="customer_id", widget=forms.HiddenInput)
    status = filters.MultipleChoiceFilter(
        choices=AlertStatus.choices, distinct=False, widget=_chips()
    )
    open = filters.BooleanFilter(
        method="filter_open",
        label="Open",
        widget=forms.Select(choices=[("", "Any"), ("true", "Open"), ("false", "Closed")]),
    )
    severity = filters.MultipleChoiceFilter(
        choices=Severity.choices, distinct=False, widget=_chips()
    )
    kind = filters.ChoiceFilter(choices=AlertKind.choices, empty_label="Any source")
    rule = filters.ModelChoiceFilter(queryset=Rule.objects.all(), empty_label="Any rule")
    rule_type = filters.ChoiceFilter(
        field_name="rule__rule_type", choices=RuleType.choices, empty_label="Any rule type"
    )
    assigned_to = filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(is_active=True), empty_label="Anyone"
    )
    unassigned = filters.BooleanFilter(
        field_name="assigned_to", lookup_expr="isnull", label="Unassigned"
    )
    created_after = DayBoundFilter(field_name="created_at", bound="from", label="From")
    created_before = DayBoundFilter(field_name="created_at", bound="to", label="To")
    sort = filters.OrderingFilter(
        fields=(("created_at", "created_at"), ("severity", "severity"), ("status", "status")),
        label="Sort",
    )

    class Meta:
        model = Alert
        fields: list[str] = []

    def filter_open(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value is None:
            return queryset
        if value:
            return queryset.filter(status__in=OPEN_ALERT_STATUSES)
        return queryset.exclude(status__in=OPEN_ALERT_STATUSES)

    @property
    def qs(self) -> QuerySet[Alert]:
        return _stable(super().qs, "-created_at")


class DeviceFilterSet(filters.FilterSet):
    q = filters.CharFilter(field_name="device_id", lookup_expr="startswith", label="Device ID")
    customer = NumberFilter(field_name="customer_links__customer_id", widget=forms.HiddenInput)
    status = filters.ChoiceFilter(choices=DeviceStatus.choices, empty_label="Any status")
    device_type = filters.ChoiceFilter(choices=DeviceType.choices, empty_label="Any type")
    sort = filters.OrderingFilter(
        fields=(("last_seen_at", "last_seen_at"), ("first_seen_at", "first_seen_at"))
    )

    class Meta:
        model = Device
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet[Device]:
        return _stable(super().qs, "-last_seen_at")


class MerchantFilterSet(filters.FilterSet):
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")
    merchant_id = filters.CharFilter(label="Merchant ID")
    mcc = filters.CharFilter(label="MCC")
    country = filters.CharFilter(label="Country")
    is_high_risk = filters.BooleanFilter(label="High risk")
    sort = filters.OrderingFilter(fields=(("name", "name"), ("created_at", "created_at")))

    class Meta:
        model = Merchant
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet[Merchant]:
        return _stable(super().qs, "name")


class RuleFilterSet(filters.FilterSet):
    rule_type = filters.ChoiceFilter(choices=RuleType.choices, empty_label="Any type")
    severity = filters.ChoiceFilter(choices=Severity.choices, empty_label="Any severity")
    enabled = filters.BooleanFilter()

    class Meta:
        model = Rule
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet[Rule]:
        return _stable(super().qs, "name")


class AccountFilterSet(filters.FilterSet):
    """The accounts list of the API: one customer's accounts with ``customer=<id>``."""

    customer = NumberFilter(field_name="customer_id", label="Customer id")

    class Meta:
        model = Account
        fields: list[str] = []
