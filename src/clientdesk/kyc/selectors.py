"""Reads of KYC documents and the review queue, always restricted to what the user may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clientdesk.core.permissions import has_access
from clientdesk.customers.models import Customer, KycStatus

from .models import OUTCOME_RISK, REQUIRED_KINDS, Document, DocumentKind, ReviewStatus

_PENDING = Q(kyc_documents__review_status=ReviewStatus.PENDING)


def customer_documents(customer: Customer, user: Any) -> QuerySet[Document]:
    """A customer's documents, newest first, with their checks and people."""
    return Document.objects.visible_to(user).filter(customer=customer).for_list()


def document_for(user: Any, pk: int) -> Document:
    """Fetch and authorize together: 404 for what the user may not see."""
    return get_object_or_404(
        Document.objects.visible_to(user).select_related(
            "customer", "customer__created_by", "uploaded_by", "reviewed_by"
        ),
        pk=pk,
    )


def required_documents(docs: list[Document]) -> list[dict[str, Any]]:
    """For each required kind: the newest document and its review state (for the tab)."""
    rows = []
    for kind in REQUIRED_KINDS:
        newest = next((d for d in docs if d.kind == kind), None)
        rows.append({"kind": kind, "label": DocumentKind(kind).label, "document": newest})
    return rows


def _outcome_rank() -> Case:
    return Case(
        *(
            When(kyc_documents__check_outcome=outcome, then=Value(rank))
            for outcome, rank in OUTCOME_RISK.items()
        ),
        default=Value(0),
        output_field=IntegerField(),
    )


def _risk_rank() -> Case:
    return Case(
        When(risk_level="high", then=Value(3)),
        When(risk_level="medium", then=Value(2)),
        When(risk_level="low", then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def review_queue(user: Any) -> QuerySet[Customer]:
    """Customers with documents awaiting review, riskiest then oldest first.

    Riskiest: the customer's risk level and score (when screening has set them), then the
    worst automatic-check outcome among the waiting documents; oldest: the first waiting
    upload. Each row carries ``waiting`` (documents), ``waiting_since`` and ``worst_check``.
    """
    if not has_access(user, "compliance"):
        return Customer.objects.none()
    return (
        Customer.objects.visible_to(user)
        .filter(_PENDING)
        .annotate(
            waiting=Count("kyc_documents"),
            waiting_since=Min("kyc_documents__uploaded_at"),
            worst_check=Max(_outcome_rank()),
            risk_rank=_risk_rank(),
        )
        .select_related("created_by")
        .order_by(
            "-risk_rank",
            F("risk_score").desc(nulls_last=True),
            "-worst_check",
            "waiting_since",
            "id",
        )
    )


def age_text(since: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """``3 d 4 h``, ``5 h 10 min``, ``12 min``."""
    if since is None:
        return "—"
    seconds = max(int(((now or timezone.now()) - since).total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {rest // 60} min"
    return f"{rest // 60} min"


AGE_BUCKETS = (
    ("Under 1 day", dt.timedelta(0), dt.timedelta(days=1)),
    ("1–3 days", dt.timedelta(days=1), dt.timedelta(days=3)),
    ("3–7 days", dt.timedelta(days=3), dt.timedelta(days=7)),
    ("Over 7 days", dt.timedelta(days=7), None),
)


def overview(user: Any) -> dict[str, Any]:
    """Counts by KYC status, and how long the waiting cases have waited."""
    statuses = Customer.objects.visible_to(user).aggregate(
        **{s.value: Count("id", filter=Q(kyc_status=s.value)) for s in KycStatus}
    )
    now = timezone.now()
    waiting = list(
        Document.objects.visible_to(user)
        .filter(review_status=ReviewStatus.PENDING)
        .values("customer_id")
        .annotate(since=Min("uploaded_at"))
        .values_list("since", flat=True)
    )
    buckets = []
    for label, low, high in AGE_BUCKETS:
        count = sum(1 for s in waiting if low <= now - s and (high is None or now - s < high))
        buckets.append({"label": label, "count": count})
    outcomes = (
        Document.objects.visible_to(user).filter(review_status=ReviewStatus.PENDING)
    ).aggregate(**{o: Count("id", filter=Q(check_outcome=o)) for o in OUTCOME_RISK})
    oldest = min(waiting) if waiting else None
    return {
        "statuses": [
            {"value": s.value, "label": s.label, "count": statuses[s.value]} for s in KycStatus
        ],
        "cases": len(waiting),
        "oldest": age_text(oldest, now) if oldest else "—",
        "buckets": buckets,
        "outcomes": outcomes,
    }
