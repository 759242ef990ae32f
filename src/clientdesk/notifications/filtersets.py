"""One FilterSet for the notifications page and ``/api/v1/notifications/``."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet

from .models import Notification, NotificationKind


class NotificationFilterSet(filters.FilterSet):
    unread = filters.BooleanFilter(method="filter_unread", label="Unread only")
    kind = filters.ChoiceFilter(choices=NotificationKind.choices, empty_label="Any kind")

    class Meta:
        model = Notification
        fields: list[str] = []

    def filter_unread(self, queryset: QuerySet[Notification], name: str, value: Any) -> Any:
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=value)

    @property
    def qs(self) -> QuerySet[Notification]:
        return super().qs.order_by("-created_at", "-id")
