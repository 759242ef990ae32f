from __future__ import annotations

import django_filters as filters
from django import forms
from django.contrib.auth import get_user_model

from .filters import DayBoundFilter
from .models import AuditAction, AuditEvent


class AuditEventFilterSet(filters.FilterSet):
    actor = filters.ModelChoiceFilter(queryset=get_user_model().objects.all())
    action = filters.MultipleChoiceFilter(
        choices=AuditAction.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    object_type = filters.CharFilter(label="Record type", help_text="e.g. customers.customer")
    object_id = filters.CharFilter(label="Record id")
    source = filters.ChoiceFilter(choices=[(s, s) for s in ("web", "api", "cli", "task")])
    request_id = filters.CharFilter(label="Request id")
    after = DayBoundFilter(field_name="created_at", bound="from", label="From")
    before = DayBoundFilter(field_name="created_at", bound="to", label="To")

    class Meta:
        model = AuditEvent
        fields: list[str] = []
