"""Tables of the transactions pages: django-tables2 for the header, sorting and paging; each
row is written out by one small template (``row_template``), which is what keeps a page of
50 rows in a couple of milliseconds (django-tables2's per-cell rendering costs ~40 ms)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import django_tables2 as tables
from django.utils.timezone import localtime

from .models import (
    Alert,
    AlertKind,
    AlertStatus,
    Channel,
    Direction,
    Severity,
    Transaction,
    TransactionStatus,
    TransactionType,
)

NUM = {"th": {"class": "num"}, "td": {"class": "num"}}

WHEN = "%d %b %Y, %H:%M"  # as the "d M Y, H:i" of the other lists, without the date filter's cost
TYPE_LABELS = dict(TransactionType.choices)
STATUS_LABELS = dict(TransactionStatus.choices)
CHANNEL_LABELS = dict(Channel.choices)
DIRECTION_LABELS = {value: label.lower() for value, label in Direction.choices}
ALERT_STATUS_LABELS = dict(AlertStatus.choices)
ALERT_KIND_LABELS = dict(AlertKind.choices)
SEVERITY_LABELS = dict(Severity.choices)


def label_transactions(records: Iterable[Transaction]) -> None:
    """Put each row's display texts on it once, in Python: ``get_FOO_display()`` rebuilds
    the choices map on every call and the ``date`` filter looks up formats per cell, which
    made a page of 50 rows cost ~10 ms more."""
    for t in records:
        t.type_label = TYPE_LABELS.get(t.type, t.type)  # type: ignore[attr-defined]
        t.status_label = STATUS_LABELS.get(t.status, t.status)  # type: ignore[attr-defined]
        t.channel_label = CHANNEL_LABELS.get(t.channel, "")  # type: ignore[attr-defined]
        t.direction_label = DIRECTION_LABELS.get(t.direction, "")  # type: ignore[attr-defined]
        t.credit = t.is_credit  # type: ignore[attr-defined]
        t.when = localtime(t.occurred_at).strftime(WHEN)  # type: ignore[attr-defined]


class TransactionTable(tables.Table):
    """A customer's transactions (the profile tab); ``show_customer`` adds the customer column
    for the all-customers list."""

    # Column names are the FilterSet's sort aliases: a header link sends ``sort=<column>``.
    occurred_at = tables.Column(verbose_name="Date", order_by=("occurred_at", "id"))
    external_id = tables.Column(verbose_name="Transaction ID", orderable=False)
    customer = tables.Column(orderable=False)
    type = tables.Column(order_by=("type", "-occurred_at", "-id"))
    merchant = tables.Column(verbose_name="Merchant / device", orderable=False)
    amount = tables.Column(
        accessor="amount_base", verbose_name="Amount", order_by=("amount_base", "id"), attrs=NUM
    )
    status = tables.Column(order_by=("status", "-occurred_at", "-id"))

    row_template = "transactions/_transaction_row.html"

    class Meta:
        model = Transaction
        fields = ("occurred_at", "external_id", "customer", "type", "merchant", "amount", "status")
        order_by_field = "sort"
        empty_text = (
            "No transactions match. Transactions arrive from the payment systems through the "
            "API; loosen the filters to see more."
        )

    def __init__(
        self, data: Any, *args: Any, show_customer: bool = False, request: Any = None, **kw: Any
    ) -> None:
        # Paged by the view with a lazy paginator; no COUNT(*) from django-tables2 itself.
        exclude = () if show_customer else ("customer",)
        super().__init__(data, *args, exclude=exclude, **kw)
        self.show_customer = show_customer
        self.request = request
        self._labelled = False

    @property
    def paginated_rows(self) -> Any:
        rows = tables.Table.paginated_rows.fget(self)  # type: ignore[attr-defined]
        if not self._labelled:
            label_transactions(row.record for row in rows)
            self._labelled = True
        return rows


class AllTransactionsTable(TransactionTable):
    """Every customer's transactions (the Transactions page), with the customer column."""

    def __init__(self, data: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, show_customer=True, **kwargs)


def label_alerts(records: Iterable[Alert]) -> None:
    """As ``label_transactions``, for the alert queue."""
    for a in records:
        a.status_label = ALERT_STATUS_LABELS.get(a.status, a.status)  # type: ignore[attr-defined]
        a.severity_label = SEVERITY_LABELS.get(a.severity, a.severity)  # type: ignore[attr-defined]
        a.kind_label = ALERT_KIND_LABELS.get(a.kind, a.kind)  # type: ignore[attr-defined]
        a.when = localtime(a.created_at).strftime(WHEN)  # type: ignore[attr-defined]


class AlertTable(tables.Table):
    """The Compliance alert queue."""

    created_at = tables.Column(verbose_name="Raised", order_by=("created_at", "id"))
    title = tables.Column(verbose_name="Alert", orderable=False)
    customer = tables.Column(orderable=False)
    # severity_rank: annotated by selectors.alert_rows, Low 1 … Critical 4
    severity = tables.Column(order_by=("severity_rank", "-created_at", "-id"))
    status = tables.Column(order_by=("status", "-created_at", "-id"))
    assigned_to = tables.Column(verbose_name="Assignee", orderable=False)

    row_template = "transactions/_alert_row.html"
    empty_title = "No alerts"

    class Meta:
        model = Alert
        fields = ("created_at", "title", "customer", "severity", "status", "assigned_to")
        order_by_field = "sort"
        empty_text = (
            "Nothing waits for review. Alerts appear here when a monitoring rule fires or a "
            "blocked device or customer tries to transact."
        )

    def __init__(self, data: Any, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.request = request
        self._labelled = False

    @property
    def paginated_rows(self) -> Any:
        rows = tables.Table.paginated_rows.fget(self)  # type: ignore[attr-defined]
        if not self._labelled:
            label_alerts(row.record for row in rows)
            self._labelled = True
        return rows


@dataclass
class Series:
    label: str
    values: list[Any]
    tone: str = ""


@dataclass
class Chart:
    """A chart and its table: the same numbers, drawn by js/charts.js and listed in a table
    (templates/transactions/_chart.html). ``fmt`` turns a value into the table's text."""

    id: str
    title: str
    kind: str  # bar | line | doughnut
    label_header: str
    labels: list[str]
    series: list[Series]
    fmt: Callable[[Any], str] = str
    value_format: str = "number"  # number | amount | percent: the chart's axis and tooltip
    horizontal: bool = False
    stacked: bool = False
    short: bool = False
    note: str = ""
    empty_text: str = "No transactions in this period."
    unit: str = ""
    switch: list[tuple[str, str, bool]] = field(default_factory=list)
    switch_label: str = ""
    extra_columns: list[tuple[str, list[str]]] = field(default_factory=list)
    tones: list[str] = field(default_factory=list)  # one per label, for a doughnut

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"

    @property
    def columns(self) -> list[str]:
        return [s.label for s in self.series] + [name for name, _ in self.extra_columns]

    @property
    def rows(self) -> list[tuple[str, list[str]]]:
        extra = [values for _, values in self.extra_columns]
        return [
            (label, [self.fmt(s.values[i]) for s in self.series] + [col[i] for col in extra])
            for i, label in enumerate(self.labels)
        ]

    @property
    def spec(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "labels": self.labels,
            "series": [
                {"label": s.label, "data": [float(v) for v in s.values], "tone": s.tone}
                for s in self.series
            ],
            "tones": self.tones,
            "format": self.value_format,
            "horizontal": self.horizontal,
            "stacked": self.stacked,
            "unit": self.unit,
        }
