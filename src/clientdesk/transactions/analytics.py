"""Figures for a (filtered) set of transactions, usually one customer's.

Each function takes a queryset — ``TransactionFilterSet(...).qs`` over
``Transaction.objects.visible_to(user)`` — and runs one aggregate query over it. For a
customer they read through ``tx_customer_time_idx`` (customer, occurred_at); the benchmark
(bench/transactions.py) measures each at a customer with 10,000 transactions.

Money figures are in the base currency (``amount_base``) unless named per currency; only
successful transactions count as volume. Decimals are returned as ``Decimal``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from .models import CREDIT_TYPES, DEBIT_TYPES, Direction, Transaction, TransactionStatus

OK = Q(status=TransactionStatus.SUCCESSFUL)
CREDIT = Q(type__in=CREDIT_TYPES) | Q(type="transfer", direction=Direction.IN)
DEBIT = Q(type__in=DEBIT_TYPES) | Q(type="transfer", direction=Direction.OUT)
ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=20, decimal_places=2))
BUCKETS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}


def _plain(qs: QuerySet[Transaction]) -> QuerySet[Transaction]:
    return qs.order_by()


def _sum(condition: Q | None = None) -> Any:
    return Coalesce(Sum("amount_base", filter=condition), ZERO)


def summary(qs: QuerySet[Transaction]) -> dict[str, Any]:
    """Counts by status, success rate, volume (credits / debits), average and largest."""
    row = _plain(qs).aggregate(
        count=Count("id"),
        successful=Count("id", filter=OK),
        failed=Count("id", filter=Q(status=TransactionStatus.FAILED)),
        pending=Count("id", filter=Q(status=TransactionStatus.PENDING)),
        reversed=Count("id", filter=Q(status=TransactionStatus.REVERSED)),
        volume=_sum(OK),
        credits=_sum(OK & CREDIT),
        debits=_sum(OK & DEBIT),
        largest=Max("amount_base", filter=OK),
        first_at=Min("occurred_at"),
        last_at=Max("occurred_at"),
    )
    row["success_rate"] = _rate(row["successful"], row["successful"] + row["failed"])
    row["average"] = (
        (row["volume"] / row["successful"]).quantize(Decimal("0.01")) if row["successful"] else None
    )
    return row


def _rate(part: int, whole: int) -> float | None:
    """Share of ``whole`` in percent, one decimal; None without data."""
    return round(100 * part / whole, 1) if whole else None


def success_rate(qs: QuerySet[Transaction]) -> dict[str, Any]:
    """Successful against failed (pending and reversed left out), overall."""
    row = _plain(qs).aggregate(
        successful=Count("id", filter=OK),
        failed=Count("id", filter=Q(status=TransactionStatus.FAILED)),
    )
    row["rate"] = _rate(row["successful"], row["successful"] + row["failed"])
    return row


def volume_by_currency(qs: QuerySet[Transaction]) -> list[dict[str, Any]]:
    """Successful volume per currency, in that currency and in the base currency."""
    rows = (
        _plain(qs)
        .filter(OK)
        .values("currency")
        .annotate(count=Count("id"), total=Sum("amount"), total_base=Sum("amount_base"))
        .order_by("-total_base", "currency")
    )
    return list(rows)


def counts_over_time(qs: QuerySet[Transaction], bucket: str = "day") -> list[dict[str, Any]]:
    """Per day, week (from Monday) or month in the site's time zone: all, successful,
    failed, and successful volume."""
    trunc = BUCKETS.get(bucket)
    if trunc is None:
        raise ValueError(f"bucket must be one of {', '.join(BUCKETS)}")
    rows = (
        _plain(qs)
        .annotate(period=trunc("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values("period")
        .annotate(
            count=Count("id"),
            successful=Count("id", filter=OK),
            failed=Count("id", filter=Q(status=TransactionStatus.FAILED)),
            volume=_sum(OK),
        )
        .order_by("period")
    )
    return [{**r, "period": r["period"].date()} for r in rows]


def top_merchants(qs: QuerySet[Transaction], limit: int = 10) -> list[dict[str, Any]]:
    """Most-used merchants: transactions, successful volume, last use."""
    rows = (
        _plain(qs)
        .filter(merchant__isnull=False)
        .values("merchant_id", "merchant__name", "merchant__merchant_id", "merchant__mcc")
        .annotate(count=Count("id"), volume=_sum(OK), last_at=Max("occurred_at"))
        .order_by("-count", "-volume", "merchant_id")[:limit]
    )
    return [
        {
            "id": r["merchant_id"],
            "merchant_id": r["merchant__merchant_id"],
            "name": r["merchant__name"] or r["merchant__merchant_id"],
            "mcc": r["merchant__mcc"],
            "count": r["count"],
            "volume": r["volume"],
            "last_at": r["last_at"],
        }
        for r in rows
    ]


def device_usage(qs: QuerySet[Transaction], limit: int = 10) -> list[dict[str, Any]]:
    """Devices by use: transactions, failed ones, share of all, first and last use."""
    base = _plain(qs)
    total = base.filter(device__isnull=False).count()
    rows = (
        base.filter(device__isnull=False)
        .values("device_id", "device__device_id", "device__device_type", "device__status")
        .annotate(
            count=Count("id"),
            failed=Count("id", filter=Q(status="failed")),
            first_at=Min("occurred_at"),
            last_at=Max("occurred_at"),
        )
        .order_by("-count", "device_id")[:limit]
    )
    return [
        {
            "id": r["device_id"],
            "device_id": r["device__device_id"],
            "device_type": r["device__device_type"],
            "status": r["device__status"],
            "count": r["count"],
            "failed": r["failed"],
            "share": _rate(r["count"], total),
            "first_at": r["first_at"],
            "last_at": r["last_at"],
        }
        for r in rows
    ]


def channel_mix(qs: QuerySet[Transaction]) -> list[dict[str, Any]]:
    """Transactions per channel (blank: not reported)."""
    return list(
        _plain(qs).values("channel").annotate(count=Count("id"), volume=_sum(OK)).order_by("-count")
    )


def everything(qs: QuerySet[Transaction], bucket: str = "day") -> dict[str, Any]:
    """All of the above, for the analytics endpoint and the tab's charts."""
    return {
        "summary": summary(qs),
        "by_currency": volume_by_currency(qs),
        "over_time": counts_over_time(qs, bucket),
        "top_merchants": top_merchants(qs),
        "devices": device_usage(qs),
        "channels": channel_mix(qs),
    }
