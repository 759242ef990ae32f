"""One FilterSet for the messages page, ``/api/v1/messages/`` and a customer's messages."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.db.models import QuerySet

from clientdesk.core.filters import DayBoundFilter

from .models import Channel, Event, Message, MessageStatus

SORTABLE = (("created_at", "created"), ("status", "status"), ("channel", "channel"))


class MessageFilterSet(filters.FilterSet):
    channel = filters.MultipleChoiceFilter(
        distinct=False,
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )
    status = filters.MultipleChoiceFilter(
        distinct=False,
        choices=MessageStatus.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )
    event = filters.ChoiceFilter(choices=Event.choices, empty_label="Any event")
    customer = filters.CharFilter(
        method="filter_customer", label="Customer", help_text="Client ID (or the customer's id)"
    )
    created_after = DayBoundFilter(field_name="created_at", bound="from", label="Sent from")
    created_before = DayBoundFilter(field_name="created_at", bound="to", label="Sent to")
    sort = filters.OrderingFilter(fields=SORTABLE, label="Sort")

    class Meta:
        model = Message
        fields: list[str] = []

    def filter_customer(self, queryset: QuerySet[Message], name: str, value: Any) -> Any:
        value = (value or "").strip()
        if not value:
            return queryset
        if value.isascii() and value.isdigit():
            return queryset.filter(customer_id=int(value))
        return queryset.filter(customer__client_id=value.upper())

    @property
    def qs(self) -> QuerySet[Message]:
        queryset = super().qs
        # Newest first by default, with a stable tie-breaker for pages and API cursors.
        ordering = list(queryset.query.order_by) or ["-created_at"]
        if not any(o.lstrip("-") == "id" for o in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return queryset.order_by(*ordering)
