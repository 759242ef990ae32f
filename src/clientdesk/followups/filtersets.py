"""One FilterSet for the task list, "My tasks" and ``/api/v1/tasks/``."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from clientdesk.core.filters import DayBoundFilter, NumberFilter

from .models import OPEN_STATUSES, Priority, Task, TaskStatus

# Aliases are the task table's column names: its header links send ``sort=<column>``.
SORTABLE = (
    ("due_at", "due"),
    ("priority_rank", "priority"),
    ("status", "status"),
    ("title", "title"),
    ("created_at", "created"),
)


class TaskFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        field_name="title",
        lookup_expr="icontains",
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search titles"}),
    )
    status = filters.MultipleChoiceFilter(
        distinct=False,
        choices=TaskStatus.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )
    priority = filters.MultipleChoiceFilter(
        distinct=False,
        choices=Priority.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
    )
    assignee = filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(is_active=True),
        label="Assignee",
        empty_label="Anyone",
    )
    due_after = DayBoundFilter(field_name="due_at", bound="from", label="Due from")
    due_before = DayBoundFilter(field_name="due_at", bound="to", label="Due to")
    overdue = filters.BooleanFilter(
        method="filter_overdue",
        label="Overdue",
        widget=forms.Select(choices=[("", "Any"), ("true", "Overdue"), ("false", "Not overdue")]),
    )
    customer = NumberFilter(field_name="customer_id", widget=forms.HiddenInput)
    subject_type = filters.CharFilter(widget=forms.HiddenInput)
    subject_id = filters.CharFilter(widget=forms.HiddenInput)
    sort = filters.OrderingFilter(fields=SORTABLE, label="Sort")

    class Meta:
        model = Task
        fields: list[str] = []

    def filter_overdue(self, queryset: QuerySet[Task], name: str, value: Any) -> QuerySet[Task]:
        if value is None:
            return queryset
        overdue = Q(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    @property
    def qs(self) -> QuerySet[Task]:
        queryset = super().qs
        ordering = list(queryset.query.order_by) or ["due_at"]
        if not any(o.lstrip("-") == "id" for o in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return queryset.order_by(*(_nulls_last(o) for o in ordering))


def _nulls_last(name: str) -> Any:
    """Tasks without a due time sort last either way, on SQLite as on PostgreSQL."""
    if name.lstrip("-") != "due_at":
        return name
    return (
        F("due_at").desc(nulls_last=True)
        if name.startswith("-")
        else F("due_at").asc(nulls_last=True)
    )
