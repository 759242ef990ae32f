"""One FilterSet for the users page and ``/api/v1/users/``."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from .models import Role


class UserFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search", help_text="Name, username or email")
    role = filters.ModelChoiceFilter(queryset=Role.objects.all(), empty_label="Any role")
    is_active = filters.ChoiceFilter(
        choices=(("true", "Active"), ("false", "Deactivated")),
        method="active",
        empty_label="Any status",
        label="Status",
    )
    sort = filters.OrderingFilter(
        fields=(("first_name", "name"), ("username", "username"), ("last_login", "last_login")),
        label="Sort",
    )

    class Meta:
        model = get_user_model()
        fields: list[str] = []

    def active(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(is_active=value == "true")

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(username__icontains=value)
            | Q(email__icontains=value)
        )
