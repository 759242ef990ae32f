"""One FilterSet for the approvals inbox page and ``/api/v1/approvals/``."""

from __future__ import annotations

import django_filters as filters

from .models import ApprovalRequest, RequestStatus


class ApprovalRequestFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RequestStatus.choices, empty_label="Any status")
    action_key = filters.CharFilter(label="Action")

    class Meta:
        model = ApprovalRequest
        fields: list[str] = []
