"""One FilterSet for the cases list page and ``/api/v1/cases/``."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from clientdesk.core.filters import DayBoundFilter, NumberFilter

from .models import OPEN_CASE_STATUSES, Case, CaseOutcome, CasePriority, CaseStatus


def _chips() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "chips"})


class CaseFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        method="search", label="Search", help_text="Case number, title or customer"
    )
    status = filters.MultipleChoiceFilter(
        choices=CaseStatus.choices, widget=_chips(), distinct=False
    )
    open = filters.BooleanFilter(
        method="only_open",
        label="Open",
        widget=forms.Select(choices=[("", "Any"), ("true", "Open"), ("false", "Closed")]),
    )
    priority = filters.MultipleChoiceFilter(
        choices=CasePriority.choices, widget=_chips(), distinct=False
    )
    outcome = filters.ChoiceFilter(choices=CaseOutcome.choices, empty_label="Any outcome")
    overdue = filters.BooleanFilter(method="only_overdue", label="Overdue")
    assigned_to = NumberFilter(
        field_name="assigned_to_id", label="Assignee id", widget=forms.HiddenInput
    )
    customer = NumberFilter(field_name="customer_id", label="Customer id", widget=forms.HiddenInput)
    created_after = DayBoundFilter(field_name="created_at", bound="from", label="Opened from")
    created_before = DayBoundFilter(field_name="created_at", bound="to", label="Opened to")
    sort = filters.OrderingFilter(
        fields=(("created_at", "created"), ("due_at", "due"), ("priority", "priority")),
        label="Sort",
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def search(self, queryset: QuerySet[Case], name: str, value: Any) -> QuerySet[Case]:
        term = (value or "").strip()
        if not term:
            return queryset
        return queryset.filter(
            Q(number__iexact=term)
            | Q(title__icontains=term)
            | Q(customer__client_id__iexact=term)
            | Q(customer__search_name__icontains=term.lower())
        )

    def only_open(self, queryset: QuerySet[Case], name: str, value: Any) -> QuerySet[Case]:
        if value is None:
            return queryset
        q = Q(status__in=OPEN_CASE_STATUSES)
        return queryset.filter(q) if value else queryset.exclude(q)

    def only_overdue(self, queryset: QuerySet[Case], name: str, value: Any) -> QuerySet[Case]:
        if not value:
            return queryset
        return queryset.filter(status__in=OPEN_CASE_STATUSES, due_at__lt=timezone.now())

    @property
    def qs(self) -> QuerySet[Case]:
        queryset = super().qs
        ordering = list(queryset.query.order_by) or ["-created_at"]
        if not any(str(o).lstrip("-") == "id" for o in ordering):
            ordering.append("-id")
        return queryset.order_by(*ordering)
