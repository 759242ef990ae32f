"""One FilterSet for the screening-hit queue page and ``/api/v1/screening/hits/``."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet

from clientdesk.core.filters import DayBoundFilter, NumberFilter

from .models import HitStatus, ScreeningHit, ScreeningList, Trigger

SORTABLE = (
    ("created_at", "created"),
    ("score", "score"),
    ("status", "status"),
    ("decided_at", "decided"),
)


def _chips() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "chips"})


class ScreeningHitFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        method="search", label="Search", help_text="Customer name or client ID, or listed name"
    )
    status = filters.MultipleChoiceFilter(
        choices=HitStatus.choices, widget=_chips(), distinct=False
    )
    screening_list = filters.ModelChoiceFilter(
        queryset=ScreeningList.objects.all(), label="List", empty_label="Any list"
    )
    trigger = filters.ChoiceFilter(choices=Trigger.choices, empty_label="Any trigger")
    min_score = NumberFilter(field_name="score", lookup_expr="gte", label="Score from")
    customer = NumberFilter(field_name="customer_id", label="Customer id")
    created_after = DayBoundFilter(field_name="created_at", bound="from", label="Raised from")
    created_before = DayBoundFilter(field_name="created_at", bound="to", label="Raised to")
    sort = filters.OrderingFilter(fields=SORTABLE, label="Sort")

    class Meta:
        model = ScreeningHit
        fields: list[str] = []

    def search(
        self, queryset: QuerySet[ScreeningHit], name: str, value: Any
    ) -> QuerySet[ScreeningHit]:
        term = (value or "").strip()
        if not term:
            return queryset
        return queryset.filter(
            Q(customer__client_id__iexact=term)
            | Q(customer__search_name__icontains=term.lower())
            | Q(entry_name__icontains=term)
            | Q(matched_name__icontains=term)
        )

    @property
    def qs(self) -> QuerySet[ScreeningHit]:
        queryset = super().qs
        ordering = list(queryset.query.order_by) or ["-created_at"]
        if not any(o.lstrip("-") == "id" for o in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return queryset.order_by(*ordering)
