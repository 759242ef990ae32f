"""One FilterSet for the lead list, the board and ``/api/v1/leads/``."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from clientdesk.core.filters import DayBoundFilter

from .models import Lead, LeadCategory, LeadSource, LeadStatus
from .search import filter_leads

SORTABLE = (
    ("search_name", "name"),
    ("mobile", "mobile"),
    ("status", "status"),
    ("source", "source"),
    ("category", "category"),
    ("owner__first_name", "owner"),
    ("created_at", "created"),
    ("last_activity_at", "last_activity"),
)


class LeadFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search", help_text="Name, mobile or email")
    status = filters.MultipleChoiceFilter(
        distinct=False,
        choices=LeadStatus.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )
    source = filters.ChoiceFilter(
        choices=LeadSource.choices, label="Lead source", empty_label="Any source"
    )
    category = filters.ChoiceFilter(
        choices=LeadCategory.choices, label="Lead category", empty_label="Any category"
    )
    owner = filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(is_active=True),
        label="Assigned user",
        empty_label="Anyone",
    )
    converted = filters.BooleanFilter(
        field_name="customer",
        lookup_expr="isnull",
        exclude=True,
        label="Converted",
        widget=forms.Select(choices=[("", "Any"), ("true", "Converted"), ("false", "Not yet")]),
    )
    created_after = DayBoundFilter(field_name="created_at", bound="from", label="Created from")
    created_before = DayBoundFilter(field_name="created_at", bound="to", label="Created to")
    sort = filters.OrderingFilter(fields=SORTABLE, label="Sort")

    class Meta:
        model = Lead
        fields: list[str] = []

    def search(self, queryset: QuerySet[Lead], name: str, value: Any) -> QuerySet[Lead]:
        return filter_leads(queryset, value)

    @property
    def qs(self) -> QuerySet[Lead]:
        queryset = super().qs
        # A stable tie-breaker keeps pages (and API cursors) deterministic.
        ordering = list(queryset.query.order_by) or ["-created_at"]
        if not any(str(o).lstrip("-") == "id" for o in ordering):
            ordering.append("-id" if str(ordering[0]).startswith("-") else "id")
        return queryset.order_by(*ordering)
