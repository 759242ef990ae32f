"""One FilterSet per list, shared by the page and the API: the review queue and a
customer's documents."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import QuerySet

from clientdesk.customers.models import Customer, KycStatus, RiskLevel
from clientdesk.customers.search import filter_customers

from .models import CheckOutcome, Document, DocumentKind, ReviewStatus

QUEUE_SORTABLE = (
    ("waiting_since", "waiting"),
    ("search_name", "name"),
    ("risk_score", "risk"),
)


def _chips() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "chips"})


class ReviewQueueFilterSet(filters.FilterSet):
    """The review queue: riskiest then oldest first unless ``sort`` says otherwise."""

    q = filters.CharFilter(method="search", label="Search", help_text="Name, mobile, client ID")
    kyc_status = filters.MultipleChoiceFilter(
        choices=KycStatus.choices, label="KYC status", widget=_chips(), distinct=False
    )
    risk_level = filters.MultipleChoiceFilter(
        choices=RiskLevel.choices, label="Risk level", widget=_chips(), distinct=False
    )
    sort = filters.OrderingFilter(fields=QUEUE_SORTABLE, label="Sort")

    class Meta:
        model = Customer
        fields: list[str] = []

    def search(self, queryset: QuerySet[Customer], name: str, value: Any) -> QuerySet[Customer]:
        return filter_customers(queryset, value)

    @property
    def qs(self) -> QuerySet[Customer]:
        queryset = super().qs
        ordering = list(queryset.query.order_by) or ["waiting_since"]
        if not any(str(o).lstrip("-") == "id" for o in ordering):
            ordering.append("id")
        return queryset.order_by(*ordering)


class DocumentFilterSet(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(choices=DocumentKind.choices, distinct=False)
    review_status = filters.MultipleChoiceFilter(choices=ReviewStatus.choices, distinct=False)
    check_outcome = filters.MultipleChoiceFilter(choices=CheckOutcome.choices, distinct=False)

    class Meta:
        model = Document
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet[Document]:
        return super().qs.order_by("-uploaded_at", "-id")
