"""Reads the transactions pages need, always through ``visible_to``.

Figures (sums, counts over time, top merchants ...) live in ``analytics``; this module only
fetches rows for the pages: what a table, a select or a detail panel shows.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from clientdesk.core.permissions import Access, Module

from .models import (
    OPEN_ALERT_STATUSES,
    SEVERITY_RANK,
    Account,
    Alert,
    AlertNote,
    CustomerDevice,
    Device,
    Merchant,
    Rule,
    Transaction,
)

# What a row of the transactions table reads: no customer column on a customer's tab, and
# on the global list only the customer's name fields (never the encrypted identifiers).
ROW_FIELDS = (
    "id",
    "external_id",
    "source",
    "occurred_at",
    "amount",
    "currency",
    "amount_base",
    "type",
    "direction",
    "channel",
    "status",
    "failure_reason",
    "customer_id",
    "merchant_id",
    "device_id",
    "merchant__id",
    "merchant__name",
    "merchant__merchant_id",
    "merchant__is_high_risk",
    "device__id",
    "device__device_id",
    "device__status",
)
CUSTOMER_NAME_FIELDS = (
    "customer__id",
    "customer__first_name",
    "customer__last_name",
    "customer__client_id",
)
EXPORT_FIELDS = (
    *ROW_FIELDS,
    "description",
    "account_id",
    "account__id",
    "account__kind",
    "account__currency",
    "merchant__mcc",
    "device__device_type",
)
ALERT_ROW_FIELDS = (
    "id",
    "created_at",
    "title",
    "kind",
    "severity",
    "status",
    "customer_id",
    "rule_id",
    "assigned_to_id",
    "rule__id",
    "rule__name",
    "assigned_to__id",
    "assigned_to__username",
    "assigned_to__first_name",
    "assigned_to__last_name",
)


def transactions(user: Any) -> QuerySet[Transaction]:
    return Transaction.objects.visible_to(user)


def customer_transactions(user: Any, customer: Any) -> QuerySet[Transaction]:
    return Transaction.objects.visible_to(user).filter(customer=customer)


def table_rows(queryset: QuerySet[Transaction], *, with_customer: bool = False) -> Any:
    fields = ROW_FIELDS + (CUSTOMER_NAME_FIELDS if with_customer else ())
    related = ("merchant", "device", "customer") if with_customer else ("merchant", "device")
    return queryset.select_related(*related).only(*fields)


def export_rows(queryset: QuerySet[Transaction], *, with_customer: bool = False) -> Any:
    fields = EXPORT_FIELDS + (CUSTOMER_NAME_FIELDS if with_customer else ())
    related = ["merchant", "device", "account"] + (["customer"] if with_customer else [])
    return queryset.select_related(*related).only(*fields)


def customer_accounts(user: Any, customer: Any) -> list[Account]:
    return list(Account.objects.visible_to(user).filter(customer=customer))


def customer_devices(user: Any, customer: Any) -> list[CustomerDevice]:
    """The customer's devices, most recently used first, with who last changed their status."""
    return list(
        CustomerDevice.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("device", "device__status_changed_by")
        .order_by("-last_seen_at", "-id")
    )


def device_count(customer: Any) -> int:
    return CustomerDevice.objects.filter(customer=customer).count()


def transaction_count(customer: Any) -> int:
    """Every transaction of the customer, whatever its status (an index-only count)."""
    return Transaction.objects.filter(customer=customer).count()


def customer_merchants(customer: Any, limit: int = 200) -> list[Merchant]:
    """Merchants the customer has paid, by name: the tab's merchant filter."""
    used = Transaction.objects.filter(customer=customer, merchant__isnull=False)
    return list(
        Merchant.objects.filter(pk__in=used.values("merchant_id"))
        .only("id", "name", "merchant_id")
        .order_by("name", "id")[:limit]
    )


def device_for(user: Any, pk: int) -> Device:
    return get_object_or_404(Device.objects.visible_to(user), pk=pk)


# ----------------------------------------------------------------------------- monitoring


def severity_rank() -> Case:
    """Low 1 … Critical 4, so "severity" sorts by how serious, not alphabetically."""
    return Case(
        *(When(severity=s, then=Value(rank)) for s, rank in SEVERITY_RANK.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def alert_queue(user: Any) -> QuerySet[Alert]:
    return Alert.objects.visible_to(user)


def alert_rows(queryset: QuerySet[Alert]) -> QuerySet[Alert]:
    return (
        queryset.select_related("rule", "customer", "assigned_to")
        .only(*ALERT_ROW_FIELDS, *CUSTOMER_NAME_FIELDS)
        .annotate(severity_rank=severity_rank())
    )


def alert_for(user: Any, pk: int) -> Alert:
    """Fetch and authorize together: 404 for what the user may not see."""
    return get_object_or_404(
        Alert.objects.visible_to(user).select_related(
            "rule", "customer", "customer__transaction_totals", "assigned_to"
        ),
        pk=pk,
    )


def evidence(alert: Alert, limit: int = 200) -> list[Transaction]:
    """The transactions behind the alert, newest first (at most ``limit``)."""
    return list(table_rows(alert.transactions.all()).order_by("-occurred_at", "-id")[:limit])


def evidence_count(alert: Alert) -> int:
    return alert.transactions.count()


def alert_notes(alert: Alert) -> list[AlertNote]:
    return list(alert.notes.select_related("author").order_by("created_at", "id"))


def _monitoring_staff() -> QuerySet[Any]:
    writers = Q(
        role__module_access__module=Module.MONITORING,
        role__module_access__level__gte=Access.WRITE,
    )
    return get_user_model().objects.filter(Q(is_active=True) & (writers | Q(is_superuser=True)))


def monitoring_staff() -> list[Any]:
    """Active users whose role may work on alerts (Monitoring: Read & Write), in one query."""
    return list(_monitoring_staff().distinct().order_by("first_name", "last_name", "username"))


def monitoring_staff_member(pk: str) -> Any | None:
    """The user with this id if they may work on alerts, else None (one query; not a list of
    every colleague, as the choice list on the page needs)."""
    if not pk.isdigit():
        return None
    return _monitoring_staff().filter(pk=int(pk)).distinct().first()


def rules_with_counts(user: Any) -> QuerySet[Rule]:
    """Every rule with how many alerts it raised, and how many of those are still open."""
    is_open = Q(alerts__status__in=OPEN_ALERT_STATUSES)
    return (
        Rule.objects.visible_to(user)
        .annotate(alert_count=Count("alerts"), open_count=Count("alerts", filter=is_open))
        .order_by("-enabled", "name", "id")
    )


def rule_for(user: Any, pk: int) -> Rule:
    return get_object_or_404(Rule.objects.visible_to(user), pk=pk)
