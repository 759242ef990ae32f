"""The five reports, as data: which lists they count, how they group, where they drill."""

from __future__ import annotations

from functools import cache
from typing import Any

from clientdesk.calls.models import CallLog
from clientdesk.customers.models import Customer, KycStatus, RiskLevel
from clientdesk.customers.models import Status as CustomerStatus
from clientdesk.leads.models import Lead, LeadSource
from clientdesk.tickets.models import Ticket
from clientdesk.transactions.models import (
    Alert,
    AlertStatus,
    Channel,
    Severity,
    Transaction,
    TransactionStatus,
    TransactionType,
)

from .figures import Dim, Metric, Ratio, Report, groupings_for

USER = "user"


def _customers(user: Any) -> Any:
    return Customer.objects.visible_to(user)


def _leads(user: Any) -> Any:
    return Lead.objects.visible_to(user)


def _tickets(user: Any) -> Any:
    return Ticket.objects.visible_to(user)


def _calls(user: Any) -> Any:
    return CallLog.objects.visible_to(user)


def _transactions(user: Any) -> Any:
    return Transaction.objects.visible_to(user)


def _alerts(user: Any) -> Any:
    return Alert.objects.visible_to(user)


def _new_customers(key: str = "customers", label: str = "New customers", **dims: Dim) -> Metric:
    return Metric(
        key=key,
        label=label,
        module="customers",
        rows=_customers,
        date_field="created_at",
        list_url="customers:list",
        after="created_after",
        before="created_before",
        dims=dims,
    )


def _lead_metric(key: str, label: str, converted: bool = False) -> Metric:
    return Metric(
        key=key,
        label=label,
        module="leads",
        rows=_leads,
        date_field="created_at",
        list_url="leads:list",
        after="created_after",
        before="created_before",
        dims={
            "source": Dim("source", "source", dict(LeadSource.choices)),
            USER: Dim("owner", "owner", user=True),
        },
        where={"customer__isnull": False} if converted else {},
        params={"converted": "true"} if converted else {},
    )


def _tx_metric(key: str, label: str, status: str = "", volume: bool = False) -> Metric:
    return Metric(
        key=key,
        label=label,
        module="transactions",
        rows=_transactions,
        date_field="occurred_at",
        list_url="transactions:list",
        after="occurred_after",
        before="occurred_before",
        dims={
            "channel": Dim("channel", "channel", dict(Channel.choices)),
            "type": Dim("type", "type", dict(TransactionType.choices)),
            "status": Dim("status", "status", dict(TransactionStatus.choices)),
            "currency": Dim("currency", "currency"),
        },
        where={"status": status} if status else {},
        params={"status": status} if status else {},
        total_of="amount_base" if volume else "",
        kind="money" if volume else "int",
    )


def _calls_metric() -> Metric:
    return Metric(
        key="calls",
        label="Calls",
        module="calls",
        rows=_calls,
        date_field="started_at",
        list_url="calls:list",
        after="started_after",
        before="started_before",
        dims={USER: Dim("staff", "staff", user=True)},
    )


def _tickets_metric(key: str, label: str, closed: bool = False) -> Metric:
    done = ["resolved", "closed"]
    return Metric(
        key=key,
        label=label,
        module="tickets",
        rows=_tickets,
        date_field="created_at",
        list_url="tickets:list",
        after="created_after",
        before="created_before",
        dims={USER: Dim("assignees", "assignee", user=True, multi=True)},
        where={"status__in": done} if closed else {},
        params={"status": done} if closed else {},
    )


def _alerts_metric() -> Metric:
    return Metric(
        key="alerts",
        label="Alerts raised",
        module="monitoring",
        rows=_alerts,
        date_field="created_at",
        list_url="transactions:alerts",
        after="created_after",
        before="created_before",
        dims={
            "severity": Dim("severity", "severity", dict(Severity.choices)),
            "status": Dim("status", "status", dict(AlertStatus.choices)),
            "rule": Dim("rule", "rule", name="rule__name"),
            USER: Dim("assigned_to", "assigned_to", user=True),
        },
    )


@cache
def catalogue() -> dict[str, Report]:
    reports = [
        Report(
            name="registration",
            title="Registration",
            description="New customers by where and by whom they were registered; leads "
            "created and converted.",
            columns=[
                _new_customers(
                    city=Dim("city", "city"),
                    state=Dim("state", "state"),
                    user=Dim("created_by", "created_by", user=True),
                    status=Dim("status", "status", dict(CustomerStatus.choices)),
                ),
                _lead_metric("leads", "Leads created"),
                _lead_metric("converted", "Leads converted", converted=True),
                Ratio("conversion", "Conversion %", "converted", "leads"),
            ],
            groupings=groupings_for(
                ("city", "City"),
                ("state", "State / region"),
                ("source", "Lead source"),
                (USER, "User"),
                ("status", "Customer status"),
            ),
        ),
        Report(
            name="activity",
            title="Activity",
            description="Transactions by type, channel, currency and status; failure and "
            "reversal rates; calls.",
            columns=[
                _tx_metric("transactions", "Transactions"),
                _tx_metric("volume", "Volume", volume=True),
                _tx_metric("failed", "Failed", status=TransactionStatus.FAILED),
                _tx_metric("reversed", "Reversed", status=TransactionStatus.REVERSED),
                Ratio("failure_rate", "Failure %", "failed", "transactions"),
                Ratio("reversal_rate", "Reversal %", "reversed", "transactions"),
                _calls_metric(),
            ],
            groupings=groupings_for(
                ("type", "Transaction type"),
                ("channel", "Channel"),
                ("currency", "Currency"),
                ("status", "Status"),
                (USER, "User (calls)"),
            ),
        ),
        Report(
            name="compliance",
            title="Compliance",
            description="Monitoring alerts by severity, status, rule and officer; customers "
            "registered by KYC status and risk level.",
            columns=[
                _alerts_metric(),
                _new_customers(
                    "registered",
                    "Customers registered",
                    kyc=Dim("kyc_status", "kyc_status", dict(KycStatus.choices)),
                    risk=Dim("risk_level", "risk_level", dict(RiskLevel.choices)),
                ),
            ],
            groupings=groupings_for(
                ("severity", "Alert severity"),
                ("status", "Alert status"),
                ("rule", "Alert rule"),
                (USER, "Officer"),
                ("kyc", "KYC status"),
                ("risk", "Risk level"),
            ),
        ),
        Report(
            name="team",
            title="Team performance",
            description="Per user: customers registered, leads owned and converted, tickets "
            "assigned and resolved, calls.",
            columns=[
                _new_customers(user=Dim("created_by", "created_by", user=True)),
                _lead_metric("leads", "Leads"),
                _lead_metric("converted", "Leads converted", converted=True),
                Ratio("conversion", "Conversion %", "converted", "leads"),
                _tickets_metric("tickets", "Tickets assigned"),
                _tickets_metric("resolved", "Tickets resolved", closed=True),
                _calls_metric(),
            ],
            groupings=groupings_for((USER, "User")),
            default_grouping=USER,
        ),
        Report(
            name="engagement",
            title="Customer engagement",
            description="Customers whose last activity falls in the period, and transactions "
            "per such customer.",
            columns=[
                Metric(
                    key="active",
                    label="Customers last active",
                    module="customers",
                    rows=_customers,
                    date_field="last_activity_at",
                    list_url="customers:list",
                    after="active_after",
                    before="active_before",
                    dims={
                        "city": Dim("city", "city"),
                        "status": Dim("status", "status", dict(CustomerStatus.choices)),
                    },
                ),
                _tx_metric("transactions", "Transactions"),
                Ratio(
                    "per_customer",
                    "Transactions per active customer",
                    "transactions",
                    "active",
                    kind="number",
                ),
            ],
            groupings=groupings_for(("city", "City"), ("status", "Customer status")),
            default_grouping="week",
        ),
    ]
    return {r.name: r for r in reports}
