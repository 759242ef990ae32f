"""Writes to the timeline. Every activity moves the customer's last-activity date."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clientdesk.core import audit

from .models import MANUAL_KINDS, Activity, Kind


def log_activity(
    customer: Any,
    *,
    actor: Any,
    kind: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    when: Any = None,
) -> Activity:
    """Append one activity and bump ``customer.last_activity_at`` (same transaction)."""
    when = when or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.create(
            customer=customer,
            kind=kind,
            body=body,
            data=data or {},
            actor=actor if getattr(actor, "pk", None) else None,
            created_at=when,
        )
        type(customer).objects.filter(pk=customer.pk).update(last_activity_at=when)
        customer.last_activity_at = when
    return activity


def add_manual_activity(customer: Any, *, actor: Any, kind: str, body: str) -> Activity:
    """ "+ Activity": a note, call, WhatsApp message or meeting typed by a user."""
    errors: dict[str, str] = {}
    if kind not in MANUAL_KINDS:
        errors["kind"] = "Choose note, call, WhatsApp message or meeting."
    if not body.strip():
        errors["body"] = "Write what happened."
    elif len(body) > 5000:
        errors["body"] = "Keep it under 5,000 characters."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        activity = log_activity(customer, actor=actor, kind=kind, body=body.strip())
        audit.record(
            actor=actor,
            action="create",
            target=activity,
            changes={"kind": {"old": None, "new": kind}},
        )
    return activity


__all__ = ["Kind", "add_manual_activity", "log_activity"]
