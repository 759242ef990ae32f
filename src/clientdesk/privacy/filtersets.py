"""One FilterSet for the requests register and ``/api/v1/privacy-requests/``."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from clientdesk.core.filters import DayBoundFilter, NumberFilter

from .models import OPEN_STATUSES, Breach, BreachStatus, DataRequest, Kind, Regime, RequestStatus

SORTABLE = (
    ("received_at", "received"),
    ("due_at", "due"),
    ("number", "number"),
    ("status", "status"),
    ("kind", "kind"),
)


class DataRequestFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        method="search",
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Number or requester"}),
    )
    kind = filters.MultipleChoiceFilter(
        distinct=False,
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )
    status = filters.MultipleChoiceFilter(
        distinct=False,
        choices=RequestStatus.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )
    regime = filters.ChoiceFilter(choices=Regime.choices, empty_label="Any law")
    overdue = filters.BooleanFilter(
        method="filter_overdue",
        label="Overdue",
        widget=forms.Select(choices=[("", "Any"), ("true", "Overdue"), ("false", "Not overdue")]),
    )
    received_after = DayBoundFilter(field_name="received_at", bound="from", label="Received from")
    received_before = DayBoundFilter(field_name="received_at", bound="to", label="Received to")
    customer = NumberFilter(field_name="customer_id", widget=forms.HiddenInput)
    lead = NumberFilter(field_name="lead_id", widget=forms.HiddenInput)
    sort = filters.OrderingFilter(fields=SORTABLE, label="Sort")

    class Meta:
        model = DataRequest
        fields: list[str] = []

    def search(self, queryset: QuerySet[DataRequest], name: str, value: str) -> Any:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__iexact=value) | Q(requester_name__icontains=value))

    def filter_overdue(self, queryset: QuerySet[DataRequest], name: str, value: Any) -> Any:
        if value is None:
            return queryset
        overdue = Q(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    @property
    def qs(self) -> QuerySet[DataRequest]:
        queryset = super().qs
        ordering = list(queryset.query.order_by) or ["-received_at"]
        if not any(o.lstrip("-") == "id" for o in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return queryset.order_by(*ordering)


class BreachFilterSet(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        distinct=False,
        choices=BreachStatus.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )
    detected_after = DayBoundFilter(field_name="detected_at", bound="from", label="Detected from")
    detected_before = DayBoundFilter(field_name="detected_at", bound="to", label="Detected to")

    class Meta:
        model = Breach
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet[Breach]:
        return super().qs.order_by("-detected_at", "-id")
