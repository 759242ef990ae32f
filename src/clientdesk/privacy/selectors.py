"""Reads of data-protection records, restricted to the user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .models import Breach, ConsentRecord, DataRequest

DUE_SOON_DAYS = 7


def request_for(user: Any, pk: int) -> DataRequest:
    return get_object_or_404(DataRequest.objects.visible_to(user).for_list(), pk=pk)


def breach_for(user: Any, pk: int) -> Breach:
    return get_object_or_404(Breach.objects.visible_to(user), pk=pk)


def due_soon(user: Any, now: dt.datetime | None = None) -> QuerySet[DataRequest]:
    """Open requests overdue or due within a week (the dashboard card)."""
    limit = (now or timezone.now()) + dt.timedelta(days=DUE_SOON_DAYS)
    return DataRequest.objects.visible_to(user).open().filter(due_at__lt=limit)


AGEING_BUCKETS = (
    ("overdue", "Overdue", None, 0),
    ("week", "Due within 7 days", 0, 7),
    ("later", "Due later", 7, None),
)


def ageing(user: Any, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Open requests by time left before the statutory due date (one query)."""
    now = now or timezone.now()
    counts = {slug: 0 for slug, *_ in AGEING_BUCKETS}
    for due in DataRequest.objects.visible_to(user).open().values_list("due_at", flat=True):
        days = (due - now).total_seconds() / 86400
        slug = "overdue" if days < 0 else "week" if days < 7 else "later"
        counts[slug] += 1
    return [{"slug": s, "label": label, "count": counts[s]} for s, label, *_ in AGEING_BUCKETS]


def consent_history(customer: Any) -> QuerySet[ConsentRecord]:
    return customer.consents.select_related("recorded_by").order_by("-recorded_at", "-id")


def current_consents(history: list[ConsentRecord]) -> list[ConsentRecord]:
    """The record in force per (purpose, partner), from a newest-first history."""
    seen: dict[tuple[str, str], ConsentRecord] = {}
    for record in history:
        seen.setdefault((record.purpose, record.partner), record)
    return sorted(seen.values(), key=lambda r: (r.purpose, r.partner))


def latest_consent(customer: Any, purpose: str, partner: str = "") -> ConsentRecord | None:
    return (
        ConsentRecord.objects.filter(customer=customer, purpose=purpose, partner=partner)
        .order_by("-recorded_at", "-id")
        .first()
    )


def has_consent(customer: Any, purpose: str, partner: str = "") -> bool:
    record = latest_consent(customer, purpose, partner)
    return bool(record and record.granted)
