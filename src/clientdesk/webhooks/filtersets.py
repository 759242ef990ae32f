"""One FilterSet for the delivery log page and ``/api/v1/webhooks/deliveries/``."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.db.models import QuerySet

from clientdesk.core.filters import DayBoundFilter, NumberFilter

from .models import DeliveryStatus, EventType, WebhookDelivery

SORTABLE = (("created_at", "created"), ("status", "status"), ("attempts", "attempts"))


class DeliveryFilterSet(filters.FilterSet):
    endpoint = NumberFilter(field_name="endpoint_id", label="Endpoint id")
    status = filters.MultipleChoiceFilter(
        distinct=False,
        choices=DeliveryStatus.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )
    event_type = filters.ChoiceFilter(choices=EventType.choices, empty_label="Any event")
    message_id = filters.CharFilter(label="webhook-id")
    created_after = DayBoundFilter(field_name="created_at", bound="from", label="From")
    created_before = DayBoundFilter(field_name="created_at", bound="to", label="To")
    sort = filters.OrderingFilter(fields=SORTABLE, label="Sort")

    class Meta:
        model = WebhookDelivery
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet[WebhookDelivery]:
        queryset = super().qs
        ordering = list(queryset.query.order_by) or ["-created_at"]
        if not any(o.lstrip("-") == "id" for o in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return queryset.order_by(*ordering)
