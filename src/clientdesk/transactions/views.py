"""Transactions and monitoring pages. Thin: parse, authorize, call a service, render.

Figures come from ``analytics``, rows from ``selectors``, every write from ``services``. The
customer profile gets three tabs (Transactions, Analytics, Devices) and a balances panel on
its Overview; ``register_pages()`` registers the tabs (called from ``apps.ready``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django_tables2 import RequestConfig

from clientdesk.core import audit
from clientdesk.core.pagination import DeferredJoinPaginator
from clientdesk.core.permissions import Access, has_access
from clientdesk.core.views import ModuleView, ObjectListView, apply_errors, safe_next, stream_csv
from clientdesk.customers.search import STATUS_TONES
from clientdesk.customers.selectors import customer_for

from . import analytics, currencies, rules, selectors, services
from .filtersets import PERIODS, AlertFilterSet, TransactionFilterSet, period_range
from .models import (
    Alert,
    AlertStatus,
    DeviceStatus,
    DeviceType,
    RuleType,
    Severity,
    Transaction,
)
from .tables import (
    AlertTable,
    AllTransactionsTable,
    Chart,
    Series,
    TransactionTable,
    label_transactions,
)

EXPORT_HEADER = [
    "Date",
    "Transaction ID",
    "Source",
    "Client ID",
    "Type",
    "Direction",
    "Channel",
    "Amount",
    "Currency",
    f"Amount ({settings.BASE_CURRENCY})",
    "Status",
    "Failure reason",
    "Merchant ID",
    "Merchant",
    "Device ID",
    "Account",
    "Description",
]


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


def _money(value: Decimal | None) -> str:
    """A base-currency amount for a table cell: ``12,500.00``."""
    return "—" if value is None else f"{value:,.2f}"


def _export_row(t: Transaction, client_id: str) -> list[Any]:
    return [
        _iso(t.occurred_at),
        t.external_id,
        t.source,
        client_id,
        t.get_type_display(),
        t.get_direction_display() if t.direction else "",
        t.get_channel_display() if t.channel else "",
        str(t.amount),
        t.currency,
        str(t.amount_base),
        t.get_status_display(),
        t.failure_reason,
        t.merchant.merchant_id if t.merchant else "",
        t.merchant.name if t.merchant else "",
        t.device.device_id if t.device else "",
        f"{t.account.get_kind_display()} {t.account.currency}" if t.account else "",
        t.description,
    ]


def _filter_params(request: HttpRequest) -> dict[str, Any]:
    return {k: v for k, v in request.GET.items() if k not in {"export", "page"}}


# ----------------------------------------------------------------------------- all transactions


class TransactionsHomeView(ModuleView):
    module = "transactions"

    def get(self, request: HttpRequest) -> HttpResponse:
        return redirect("transactions:list")


class TransactionListView(ObjectListView):
    module = "transactions"
    model = Transaction
    filterset_class = TransactionFilterSet
    table_class = AllTransactionsTable
    template_name = "transactions/transaction_list.html"
    title = "Transactions"
    export_name = "transactions"

    def get_queryset(self) -> QuerySet[Transaction]:
        return selectors.transactions(self.request.user)

    def table_queryset(self, queryset: QuerySet[Transaction]) -> QuerySet[Transaction]:
        return selectors.table_rows(queryset, with_customer=True)

    def export_rows(self, queryset: QuerySet[Transaction]) -> tuple[list[str], Iterable[Any]]:
        rows = selectors.export_rows(queryset, with_customer=True)

        def generate() -> Iterable[list[Any]]:
            for t in rows.iterator(chunk_size=2000):
                yield _export_row(t, t.customer.client_id)

        return EXPORT_HEADER, generate()

    def extra_context(self) -> dict[str, Any]:
        return {"can_monitor": has_access(self.request.user, "monitoring")}


# ----------------------------------------------------------------------------- customer tabs


def _customer_transactions(request: HttpRequest, customer: Any) -> tuple[Any, QuerySet[Any]]:
    """The shared FilterSet over the customer's transactions, and what it lets through."""
    base = selectors.customer_transactions(request.user, customer)
    filterset = TransactionFilterSet(request.GET or None, queryset=base, request=request)
    invalid = filterset.is_bound and not filterset.is_valid()
    return filterset, (base.none() if invalid else filterset.qs)


def transactions_tab_count(customer: Any) -> int:
    return selectors.transaction_count(customer)


def transactions_tab_context(request: HttpRequest, customer: Any) -> dict[str, Any]:
    filterset, rows = _customer_transactions(request, customer)
    table = TransactionTable(selectors.table_rows(rows))
    RequestConfig(
        request,
        paginate={"per_page": settings.LIST_PAGE_SIZE, "paginator_class": DeferredJoinPaginator},
    ).configure(table)
    accounts = selectors.customer_accounts(request.user, customer)
    devices = [link.device for link in selectors.customer_devices(request.user, customer)]
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filterset": filterset,
        "table": table,
        "summary": analytics.summary(rows),
        "merchant_choices": selectors.customer_merchants(customer),
        "device_choices": devices,
        "currency_choices": sorted({a.currency for a in accounts}),
        "base_currency": settings.BASE_CURRENCY,
        "query": query.urlencode(),
        "period_choices": PERIODS,
    }


def devices_tab_count(customer: Any) -> int:
    return selectors.device_count(customer)


def devices_tab_context(request: HttpRequest, customer: Any) -> dict[str, Any]:
    links = selectors.customer_devices(request.user, customer)
    return {
        "device_links": links,
        "blocked_count": sum(1 for link in links if link.device.is_blocked),
        "can_change_devices": has_access(request.user, "transactions", Access.WRITE),
    }


# ----------------------------------------------------------------------------- analytics tab

BUCKETS = (("day", "Day"), ("week", "Week"), ("month", "Month"))
DEFAULT_PERIOD = "last_12_months"
MAX_BARS = 400  # a day bucket over years would draw thousands of slivers: coarser then
BUCKET_DAYS = {"day": 1, "week": 7, "month": 31}


def _analytics_query(request: HttpRequest) -> tuple[QueryDict, str]:
    """The tab's filters: the request's, with a default period; and the bucket."""
    query = request.GET.copy()
    if "period" not in query:
        query["period"] = DEFAULT_PERIOD
    bucket = query.pop("bucket", ["month"])[-1]
    return query, bucket if bucket in dict(BUCKETS) else "month"


def _period_window(filterset: Any, summary: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    """First and last day the over-time chart spans (the filter's period, else the data's)."""
    data = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    period = data.get("period")
    if period and period != "custom":
        start, end = period_range(period)
        return start.date(), (end - dt.timedelta(days=1)).date()
    first, last = summary.get("first_at"), summary.get("last_at")
    if not first or not last:
        return None
    return (
        data.get("occurred_after") or timezone.localtime(first).date(),
        data.get("occurred_before") or timezone.localtime(last).date(),
    )


def _fit_bucket(bucket: str, window: tuple[dt.date, dt.date] | None) -> str:
    """The asked bucket, or the next coarser one when the window holds over MAX_BARS."""
    if window is None:
        return bucket
    days = (window[1] - window[0]).days + 1
    for name in ("day", "week", "month"):
        if BUCKET_DAYS[name] >= BUCKET_DAYS[bucket] and days / BUCKET_DAYS[name] <= MAX_BARS:
            return name
    return "month"


def _bucket_start(day: dt.date, bucket: str) -> dt.date:
    if bucket == "week":
        return day - dt.timedelta(days=day.weekday())
    if bucket == "month":
        return day.replace(day=1)
    return day


def _next_bucket(day: dt.date, bucket: str) -> dt.date:
    if bucket == "month":
        return (day + dt.timedelta(days=32)).replace(day=1)
    return day + dt.timedelta(days=7 if bucket == "week" else 1)


def _filled(rows: list[dict[str, Any]], bucket: str, window: Any) -> list[dict[str, Any]]:
    """Every period of the window, with zeros where nothing happened (an honest time axis)."""
    if window is None:
        return rows
    by_period = {r["period"]: r for r in rows}
    day, last = _bucket_start(window[0], bucket), window[1]
    empty = {"count": 0, "successful": 0, "failed": 0, "volume": Decimal(0)}
    filled: list[dict[str, Any]] = []
    while day <= last and len(filled) < MAX_BARS:
        filled.append(by_period.get(day, {"period": day, **empty}))
        day = _next_bucket(day, bucket)
    return filled


def _period_label(day: dt.date, bucket: str) -> str:
    if bucket == "month":
        return day.strftime("%b %Y")
    if bucket == "week":
        return "w/c " + day.strftime("%d %b %Y").lstrip("0")
    return day.strftime("%d %b %Y").lstrip("0")


def _over_time_chart(rows: list[dict[str, Any]], bucket: str, switch: list[Any]) -> Chart:
    per = dict(BUCKETS)[bucket].lower()
    return Chart(
        id="tx-over-time",
        title=f"Transactions per {per}",
        kind="bar",
        label_header=dict(BUCKETS)[bucket],
        labels=[_period_label(r["period"], bucket) for r in rows],
        series=[
            Series("Successful", [r["successful"] for r in rows], "green"),
            Series("Failed", [r["failed"] for r in rows], "red"),
            Series(
                "Pending / reversed",
                [r["count"] - r["successful"] - r["failed"] for r in rows],
                "grey",
            ),
        ],
        fmt=lambda v: f"{v:,}",
        stacked=True,
        switch=switch,
        switch_label="Group by",
        extra_columns=[(f"Volume ({settings.BASE_CURRENCY})", [_money(r["volume"]) for r in rows])],
        empty_text="No transactions in this period. Choose a longer period above.",
    )


def _currency_chart(rows: list[dict[str, Any]]) -> Chart:
    base = settings.BASE_CURRENCY
    return Chart(
        id="tx-currency",
        title="Volume by currency",
        kind="bar",
        horizontal=True,
        short=True,
        label_header="Currency",
        labels=[r["currency"] for r in rows],
        series=[Series(f"Volume ({base})", [r["total_base"] for r in rows], "accent")],
        fmt=_money,
        value_format="amount",
        unit=base,
        extra_columns=[
            ("In currency", [currencies.format_amount(r["total"], r["currency"]) for r in rows]),
            ("Transactions", [f"{r['count']:,}" for r in rows]),
        ],
        note=f"Successful transactions only; amounts converted to {base} at intake.",
        empty_text="No successful transactions in this period.",
    )


def _outcome_chart(summary: dict[str, Any]) -> Chart:
    outcomes = [
        ("Successful", "successful", "green"),
        ("Failed", "failed", "red"),
        ("Pending", "pending", "amber"),
        ("Reversed", "reversed", "grey"),
    ]
    total = summary["count"] or 1
    return Chart(
        id="tx-outcomes",
        title="Outcomes",
        kind="doughnut",
        short=True,
        label_header="Status",
        labels=[label for label, _, _ in outcomes] if summary["count"] else [],
        series=[Series("Transactions", [summary[key] for _, key, _ in outcomes])],
        tones=[tone for _, _, tone in outcomes],
        fmt=lambda v: f"{v:,}",
        extra_columns=[("Share", [f"{100 * summary[key] / total:.1f}%" for _, key, _ in outcomes])],
    )


def _merchant_chart(rows: list[dict[str, Any]]) -> Chart:
    return Chart(
        id="tx-merchants",
        title="Most used merchants",
        kind="bar",
        horizontal=True,
        label_header="Merchant",
        labels=[r["name"] for r in rows],
        series=[Series("Transactions", [r["count"] for r in rows], "accent")],
        fmt=lambda v: f"{v:,}",
        extra_columns=[
            (f"Volume ({settings.BASE_CURRENCY})", [_money(r["volume"]) for r in rows]),
            ("Last used", [timezone.localtime(r["last_at"]).strftime("%d %b %Y") for r in rows]),
        ],
        empty_text="No payments to merchants in this period.",
    )


def _device_chart(rows: list[dict[str, Any]]) -> Chart:
    kinds = dict(DeviceType.choices)
    return Chart(
        id="tx-devices",
        title="Device usage",
        kind="bar",
        horizontal=True,
        label_header="Device",
        labels=[r["device_id"] for r in rows],
        series=[
            Series("Not failed", [r["count"] - r["failed"] for r in rows], "accent"),
            Series("Failed", [r["failed"] for r in rows], "red"),
        ],
        stacked=True,
        fmt=lambda v: f"{v:,}",
        extra_columns=[
            ("Type", [kinds.get(r["device_type"], "—") for r in rows]),
            ("Share", [f"{r['share']:.1f}%" if r["share"] is not None else "—" for r in rows]),
            ("Status", [DeviceStatus(r["status"]).label for r in rows]),
        ],
        empty_text="No transaction in this period named a device.",
    )


def analytics_tab_context(request: HttpRequest, customer: Any) -> dict[str, Any]:
    query, bucket = _analytics_query(request)
    base = selectors.customer_transactions(request.user, customer)
    filterset = TransactionFilterSet(query, queryset=base, request=request)
    rows = filterset.qs if filterset.is_valid() else base.none()
    summary = analytics.summary(rows)
    window = _period_window(filterset, summary)
    bucket = _fit_bucket(bucket, window)
    over_time = _filled(analytics.counts_over_time(rows, bucket), bucket, window)
    switch = []
    for value, label in BUCKETS:
        params = query.copy()
        params["bucket"] = value
        switch.append((label, "?" + params.urlencode(), value == bucket))
    return {
        "filterset": filterset,
        "bucket": bucket,
        "summary": summary,
        "base_currency": settings.BASE_CURRENCY,
        "success_tone": _rate_tone(summary["success_rate"]),
        "charts": {
            "over_time": _over_time_chart(over_time, bucket, switch),
            "currency": _currency_chart(analytics.volume_by_currency(rows)),
            "outcomes": _outcome_chart(summary),
            "merchants": _merchant_chart(analytics.top_merchants(rows)),
            "devices": _device_chart(analytics.device_usage(rows)),
        },
        "transactions_query": query.urlencode(),
    }


def _rate_tone(rate: float | None) -> str:
    if rate is None:
        return "grey"
    return "green" if rate >= 95 else "amber" if rate >= 80 else "red"


# ----------------------------------------------------------------------------- customer fragments


class CustomerAccountsView(ModuleView):
    """The Overview's "Accounts & balances" panel (loaded by htmx, see _overview_accounts)."""

    module = "transactions"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = customer_for(request.user, pk)
        if not request.htmx:  # type: ignore[attr-defined]
            return redirect("customers:detail", pk=customer.pk)
        base = settings.BASE_CURRENCY
        accounts = selectors.customer_accounts(request.user, customer)
        accounts.sort(key=lambda a: (a.kind, a.currency != base, a.currency))
        context = {
            "customer": customer,
            "accounts": accounts,
            "tone": STATUS_TONES.get(customer.status, "grey"),
            "can_transact": customer.status == "active",
        }
        return render(request, "transactions/_accounts_panel.html", context)


class CustomerTransactionExportView(ModuleView):
    """CSV of the customer's transactions under the tab's filters; audited on the customer."""

    module = "transactions"

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        customer = customer_for(request.user, pk)
        _, rows = _customer_transactions(request, customer)
        audit.record(
            actor=request.user,
            action="export",
            target=customer,
            changes={"records": "transactions", "filters": _filter_params(request)},
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")

        def generate() -> Iterable[list[Any]]:
            for t in selectors.export_rows(rows).iterator(chunk_size=2000):
                yield _export_row(t, customer.client_id)

        name = f"transactions-{customer.client_id}-{stamp}.csv"
        return stream_csv(name, EXPORT_HEADER, generate())


class DeviceStatusView(ModuleView):
    """Block or trust a device (confirm dialog with a reason on the Devices tab)."""

    module = "transactions"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        device = selectors.device_for(request.user, pk)
        back = safe_next(request, reverse("transactions:list"))
        status = request.POST.get("status", "")
        if status not in DeviceStatus.values:
            messages.error(request, "Choose whether to block or trust the device.")
            return redirect(back)
        try:
            services.set_device_status(
                device, status, actor=request.user, reason=request.POST.get("reason", "")
            )
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg if msg != "Say why." else "Give a reason.")
        else:
            done = "blocked" if status == DeviceStatus.BLOCKED else "trusted again"
            messages.success(request, f"Device {device.device_id} {done}.")
        return redirect(back)


# ----------------------------------------------------------------------------- alerts


ALERT_EXPORT_HEADER = [
    "Raised",
    "Alert",
    "Source",
    "Rule",
    "Client ID",
    "Customer",
    "Severity",
    "Status",
    "Assignee",
]


class AlertListView(ObjectListView):
    """The Compliance alert queue (open alerts first, by default)."""

    module = "monitoring"
    model = Alert
    filterset_class = AlertFilterSet
    table_class = AlertTable
    template_name = "transactions/alert_list.html"
    title = "Alerts"
    export_name = "alerts"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.GET:  # the queue opens on what still needs work
            return redirect(f"{request.path}?open=true")
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Alert]:
        return selectors.alert_queue(self.request.user)

    def table_queryset(self, queryset: QuerySet[Alert]) -> QuerySet[Alert]:
        return selectors.alert_rows(queryset)

    def extra_context(self) -> dict[str, Any]:
        return {"can_manage_rules": has_access(self.request.user, "monitoring", Access.WRITE)}

    def export_rows(self, queryset: QuerySet[Alert]) -> tuple[list[str], Iterable[Any]]:
        def rows() -> Iterable[list[Any]]:
            for a in selectors.alert_rows(queryset).iterator(chunk_size=2000):
                yield [
                    _iso(a.created_at),
                    a.title,
                    a.get_kind_display(),
                    a.rule.name if a.rule else "",
                    a.customer.client_id,
                    a.customer.full_name,
                    a.get_severity_display(),
                    a.get_status_display(),
                    a.assigned_to.username if a.assigned_to else "",
                ]

        return ALERT_EXPORT_HEADER, rows()


class AlertStatusForm(forms.Form):
    status = forms.ChoiceField(choices=AlertStatus.choices)
    note = forms.CharField(required=False, max_length=services.MAX_NOTE, widget=forms.Textarea)


class AlertNoteForm(forms.Form):
    body = forms.CharField(
        label="Note",
        max_length=services.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What you checked, what you found"}),
    )


DETAIL_LABELS = {
    "amount_base": f"Amount ({settings.BASE_CURRENCY})",
    "mcc": "MCC",
    "flagged": "Merchant flagged high risk",
    "count": "Transactions",
    "limit": "Limit",
    "total": f"Total ({settings.BASE_CURRENCY})",
    "band_low": "Band from",
    "device_first_seen_at": "Device first used",
    "previous_activity_at": "Previous activity",
}


# Figures in the base currency, stored as decimal strings ("9999.00"): shown grouped.
MONEY_DETAILS = frozenset({"amount_base", "total", "limit", "band_low", "threshold"})


def _detail_label(key: str) -> str:
    return DETAIL_LABELS.get(key) or key.replace("_", " ").capitalize()


def _detail_value(value: Any, key: str = "") -> str:
    if key in MONEY_DETAILS and isinstance(value, str | int):
        try:
            return _money(Decimal(value))
        except InvalidOperation:
            return str(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        try:  # an ISO timestamp from the rule's figures
            return timezone.localtime(dt.datetime.fromisoformat(value)).strftime("%d %b %Y, %H:%M")
        except ValueError:
            return value
    return str(value)


class AlertDetailView(ModuleView):
    module = "monitoring"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        alert = selectors.alert_for(request.user, pk)
        can_work = has_access(request.user, "monitoring", Access.WRITE)
        evidence = selectors.evidence(alert)
        label_transactions(evidence)
        context = {
            "alert": alert,
            "customer": alert.customer,
            "customer_tone": STATUS_TONES.get(alert.customer.status, "grey"),
            "can_work": can_work,
            "evidence": evidence,
            "evidence_total": sum(t.amount_base for t in evidence),
            "evidence_more": len(evidence) >= 200 and selectors.evidence_count(alert) > 200,
            "details": [
                (_detail_label(key), _detail_value(v, key))
                for key, v in (alert.details or {}).items()
            ],
            "notes": selectors.alert_notes(alert),
            "transitions": [(s, AlertStatus(s).label) for s in alert.allowed_transitions()],
            "staff": selectors.monitoring_staff() if can_work else [],
            "note_form": AlertNoteForm(),
            "rule_summary": rules.describe(alert.rule) if alert.rule else "",
            "base_currency": settings.BASE_CURRENCY,
        }
        return render(request, "transactions/alert_detail.html", context)


class _AlertWriteView(ModuleView):
    module = "monitoring"

    def back(self, pk: int, anchor: str = "") -> HttpResponse:
        return redirect(reverse("transactions:alert", args=[pk]) + anchor)


class AlertStatusView(_AlertWriteView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        alert = selectors.alert_for(request.user, pk)
        form = AlertStatusForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose the new status.")
            return self.back(alert.pk)
        try:
            alert = services.transition_alert(
                alert,
                form.cleaned_data["status"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, f"Alert {alert.get_status_display().lower()}.")
        return self.back(alert.pk)


class AlertAssignView(_AlertWriteView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        alert = selectors.alert_for(request.user, pk)
        raw = request.POST.get("assigned_to", "")
        assignee: Any
        if raw == "me":
            assignee = request.user
        else:
            assignee = selectors.monitoring_staff_member(raw) if raw else None
            if raw and assignee is None:
                messages.error(request, "Choose a user who may work on monitoring alerts.")
                return self.back(alert.pk)
        try:
            services.assign_alert(alert, assignee, actor=request.user)
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            name = assignee.display_name if assignee else "nobody"
            messages.success(request, f"Alert assigned to {name}.")
        return self.back(alert.pk)


class AlertNoteView(_AlertWriteView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        alert = selectors.alert_for(request.user, pk)
        form = AlertNoteForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Write the note (at most 5,000 characters).")
            return self.back(alert.pk, "#notes")
        try:
            services.add_alert_note(alert, actor=request.user, body=form.cleaned_data["body"])
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            messages.success(request, "Note added.")
        return self.back(alert.pk, "#notes")


# ----------------------------------------------------------------------------- rules


class RuleForm(forms.Form):
    """A rule with the parameters of every rule type, one group per type; only the chosen
    type's group counts (the page shows just that group). Checked by ``rules.validate``."""

    name = forms.CharField(max_length=120)
    rule_type = forms.ChoiceField(label="Rule type", choices=[("", "Choose…"), *RuleType.choices])
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MEDIUM)
    enabled = forms.BooleanField(label="Enabled", required=False, initial=True)
    description = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, rule: Any = None, **kwargs: Any) -> None:
        if rule is not None and "initial" not in kwargs:
            kwargs["initial"] = self._initial(rule)
        super().__init__(*args, **kwargs)
        self.rule = rule
        if rule is not None:
            self.fields["rule_type"].disabled = True
            self.fields["rule_type"].help_text = "A rule's type cannot change; create a new rule."
        for rule_type, params in rules.PARAMETERS.items():
            for name, spec in params.items():
                self.fields[self.key(rule_type, name)] = _param_field(name, spec)

    @staticmethod
    def key(rule_type: str, name: str) -> str:
        return f"{rule_type}__{name}"

    @classmethod
    def _initial(cls, rule: Any) -> dict[str, Any]:
        initial = {f: getattr(rule, f) for f in ("name", "rule_type", "severity", "enabled",
                                                 "description")}  # fmt: skip
        for name, value in (rule.parameters or {}).items():
            initial[cls.key(rule.rule_type, name)] = (
                ", ".join(value) if isinstance(value, list) else value
            )
        return initial

    def groups(self) -> list[tuple[str, str, list[Any]]]:
        """(type, label, bound fields) per rule type, for the template."""
        return [
            (t, RuleType(t).label, [self[self.key(t, n)] for n in params])
            for t, params in rules.PARAMETERS.items()
        ]

    def selected_type(self) -> str:
        value = self["rule_type"].value()
        return value if value in rules.PARAMETERS else ""

    def parameters(self) -> dict[str, Any]:
        rule_type = self.cleaned_data.get("rule_type", "")
        found: dict[str, Any] = {}
        for name, spec in rules.PARAMETERS.get(rule_type, {}).items():
            value = self.cleaned_data.get(self.key(rule_type, name))
            if spec.kind == "codes":
                found[name] = [c.strip() for c in str(value or "").replace(";", ",").split(",")
                               if c.strip()]  # fmt: skip
            elif spec.kind == "bool":
                found[name] = bool(value)
            elif value not in (None, ""):
                found[name] = str(value).strip()
        return found

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        rule_type = cleaned.get("rule_type")
        if rule_type in rules.PARAMETERS:
            try:
                rules.validate(rule_type, self.parameters())
            except ValidationError as exc:
                self._parameter_errors(rule_type, exc)
        return cleaned

    def _parameter_errors(self, rule_type: str, exc: ValidationError) -> None:
        for message in exc.message_dict.get("parameters", []) or exc.messages:
            name, _, text = message.partition(": ")
            field = self.key(rule_type, name)
            if field in self.fields and text:
                self.add_error(field, text)
            else:
                self.add_error(None, message)

    def service_data(self) -> dict[str, Any]:
        data = {f: self.cleaned_data[f] for f in ("name", "severity", "enabled", "description")}
        data["rule_type"] = self.cleaned_data["rule_type"]
        data["parameters"] = self.parameters()
        return data


def _param_field(name: str, spec: Any) -> forms.Field:
    label = name.replace("_", " ").capitalize().replace("Mcc", "MCC")
    common = {"label": label, "required": False, "help_text": spec.help}
    if spec.kind == "bool":
        return forms.BooleanField(initial=bool(spec.default), **common)
    if spec.kind == "choice":
        choices = [("", "Choose…"), *((c, c.capitalize()) for c in spec.choices)]
        return forms.ChoiceField(choices=choices, **common)
    placeholder = "e.g. 7995, 6051" if spec.kind == "codes" else (
        str(spec.default) if spec.default not in (None, [], "") else ""
    )  # fmt: skip
    mode = "numeric" if spec.kind == "int" else "decimal" if spec.kind == "decimal" else "text"
    return forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"inputmode": mode, "placeholder": placeholder}),
        **common,
    )


class RuleListView(ModuleView):
    module = "monitoring"

    def get(self, request: HttpRequest) -> HttpResponse:
        rule_list = list(selectors.rules_with_counts(request.user))
        for rule in rule_list:
            rule.summary = rules.describe(rule)  # type: ignore[attr-defined]
            nightly = rule.rule_type in rules.NIGHTLY_TYPES
            rule.when = "Runs nightly" if nightly else "Runs at intake"  # type: ignore[attr-defined]
        context = {
            "rules": rule_list,
            "can_edit": has_access(request.user, "monitoring", Access.WRITE),
            "base_currency": settings.BASE_CURRENCY,
        }
        return render(request, "transactions/rule_list.html", context)


class RuleCreateView(ModuleView):
    module = "monitoring"
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest) -> HttpResponse:
        return _render_rule_form(request, RuleForm(), None)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RuleForm(request.POST)
        if form.is_valid():
            try:
                rule = services.create_rule(actor=request.user, data=form.service_data())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Rule “{rule.name}” created.")
                return redirect("transactions:rules")
        return _render_rule_form(request, form, None, status=400)


class RuleEditView(ModuleView):
    module = "monitoring"
    write_methods = frozenset({"GET", "POST"})

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        rule = selectors.rule_for(request.user, pk)
        return _render_rule_form(request, RuleForm(rule=rule), rule)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        rule = selectors.rule_for(request.user, pk)
        form = RuleForm(request.POST, rule=rule)
        if form.is_valid():
            try:
                services.update_rule(rule, actor=request.user, data=form.service_data())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Rule “{form.cleaned_data['name']}” saved.")
                return redirect("transactions:rules")
        return _render_rule_form(request, form, rule, status=400)


def _render_rule_form(
    request: HttpRequest, form: RuleForm, rule: Any, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "rule": rule,
        "title": f"Edit rule · {rule.name}" if rule else "New monitoring rule",
        "intake_types": sorted(rules.INTAKE_TYPES),
        "base_currency": settings.BASE_CURRENCY,
    }
    return render(request, "transactions/rule_form.html", context, status=status)


class RuleToggleView(ModuleView):
    """Enable or disable a rule in one click (confirmed on the page)."""

    module = "monitoring"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        rule = selectors.rule_for(request.user, pk)
        enabled = request.POST.get("enabled") == "true"
        try:
            services.update_rule(rule, actor=request.user, data={"enabled": enabled})
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
        else:
            state = "enabled" if enabled else "disabled"
            messages.success(request, f"Rule “{rule.name}” {state}.")
        return redirect("transactions:rules")


# ----------------------------------------------------------------------------- registration


def ready() -> None:
    """Called by ``TransactionsConfig.ready`` (apps.py) when this module is present."""
    register_pages()


# The sidebar entries (the list lives in core), before the audit trail. The alert queue and
# the rules share /transactions/alerts/, so only one entry is marked active at a time.
NAV_ENTRIES = [
    ("Transactions", "transactions:list", "banknote", "transactions", "/transactions/list/"),
    ("Alerts", "transactions:alerts", "alert-triangle", "monitoring", "/transactions/alerts/"),
]


def register_nav() -> None:
    from clientdesk.core.context_processors import add_navigation

    for entry in NAV_ENTRIES:
        add_navigation(entry, before="audit:list")


def register_pages() -> None:
    """The customer profile's tabs of this module, and its sidebar entries."""
    from clientdesk.customers.tabs import ProfileTab, register

    register_nav()
    register(
        ProfileTab(
            "transactions",
            "Transactions",
            "transactions",
            "transactions/_customer_transactions.html",
            order=60,
            count=transactions_tab_count,
            context=transactions_tab_context,
        )
    )
    register(
        ProfileTab(
            "analytics",
            "Analytics",
            "transactions",
            "transactions/_customer_analytics.html",
            order=62,
            context=analytics_tab_context,
        )
    )
    register(
        ProfileTab(
            "devices",
            "Devices",
            "transactions",
            "transactions/_customer_devices.html",
            order=64,
            count=devices_tab_count,
            context=devices_tab_context,
        )
    )
