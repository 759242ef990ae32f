"""Reads of customers, always through ``visible_to``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from clientdesk.core.models import AuditEvent

from .models import Customer, Status, StatusChange


def customer_for(user: Any, pk: int) -> Customer:
    """Fetch and authorize together: 404 for what the user may not see."""
    return get_object_or_404(
        Customer.objects.visible_to(user).select_related(
            "assigned_to", "created_by", "last_reviewed_by", "source_lead"
        ),
        pk=pk,
    )


def status_history(customer: Customer, limit: int = 20) -> list[StatusChange]:
    return list(customer.status_changes.select_related("actor")[:limit])


def audit_history(customer: Customer) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        object_type=Customer._meta.label_lower, object_id=str(customer.pk)
    ).select_related("actor")


def status_counts(user: Any) -> dict[str, int]:
    aggregates = {s.value: Count("id", filter=Q(status=s.value)) for s in Status}
    return Customer.objects.visible_to(user).aggregate(**aggregates)
