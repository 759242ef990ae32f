"""Reads of leads, always through ``visible_to``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404

from .models import STATUS_TONES, Lead, LeadStatus, LeadStatusChange, SavedFilter

LIST_KEY = "leads"


def lead_for(user: Any, pk: int) -> Lead:
    """Fetch and authorize together: 404 for what the user may not see."""
    return get_object_or_404(
        Lead.objects.visible_to(user).select_related(
            "owner", "created_by", "customer", "converted_by"
        ),
        pk=pk,
    )


def status_history(lead: Lead, limit: int = 50) -> list[LeadStatusChange]:
    return list(lead.status_changes.select_related("actor")[:limit])


def saved_filters(user: Any, list_key: str = LIST_KEY) -> list[SavedFilter]:
    return list(SavedFilter.objects.filter(user=user, list_key=list_key))


def board(queryset: QuerySet[Lead], per_column: int = 25) -> list[dict[str, Any]]:
    """Columns of the board, one per status: count and the most recent cards.

    Two queries whatever the number of statuses: one count per status, one window query
    that keeps the newest ``per_column`` leads of each status.
    """
    counts = dict(
        queryset.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    ranked = (
        queryset.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("status")],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=per_column)
        .select_related("owner")
        .order_by("-created_at", "-id")
    )
    cards: dict[str, list[Lead]] = {s.value: [] for s in LeadStatus}
    for lead in ranked:
        cards[lead.status].append(lead)
    return [
        {
            "status": status.value,
            "label": status.label,
            "tone": STATUS_TONES[status],
            "count": counts.get(status.value, 0),
            "cards": cards[status.value],
            "more": counts.get(status.value, 0) - len(cards[status.value]),
        }
        for status in LeadStatus
    ]
