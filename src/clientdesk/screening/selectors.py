"""Reusable reads of the screening module, restricted to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import (
    ListVersion,
    RiskProfile,
    ScreeningCheck,
    ScreeningHit,
    ScreeningRun,
)


def hit_for(user: Any, pk: int) -> ScreeningHit:
    """Fetch and authorize together (404 for a hit the user may not see)."""
    queryset = ScreeningHit.objects.visible_to(user).select_related(
        "customer", "screening_list", "decided_by", "entry", "entry__version"
    )
    return get_object_or_404(queryset, pk=pk)


def customer_hits(customer: Any, user: Any) -> QuerySet[ScreeningHit]:
    return (
        ScreeningHit.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("screening_list", "decided_by")
    )


def profile_of(customer: Any) -> RiskProfile | None:
    return RiskProfile.objects.filter(customer=customer).select_related("overridden_by").first()


def checks_of(customer: Any, limit: int = 20) -> list[ScreeningCheck]:
    return list(ScreeningCheck.objects.filter(customer=customer)[:limit])


def runs_covering(customer: Any, limit: int = 10) -> list[ScreeningRun]:
    """Bulk runs whose id range includes the customer (a run screens ids up to ``upto``)."""
    return list(ScreeningRun.objects.filter(upto__gte=customer.pk)[:limit])


def versions() -> QuerySet[ListVersion]:
    return ListVersion.objects.select_related("screening_list", "loaded_by").order_by(
        "screening_list__name", "-number"
    )


def recent_runs(limit: int = 10) -> list[ScreeningRun]:
    return list(ScreeningRun.objects.select_related("requested_by")[:limit])
