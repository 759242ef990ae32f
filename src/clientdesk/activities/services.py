"""Writes to the timeline. Every activity moves the customer's last-activity date."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clientdesk.core import audit
from clientdesk.core.masking import scrub
from clientdesk.core.permissions import Access, edits_only_own, has_access, require

from .models import MANUAL_KINDS, Activity, Kind


def log_activity(
    customer: Any = None,
    *,
    actor: Any,
    kind: str,
    body: str = "",
    data: dict[str, Any] | None = None,
    when: Any = None,
    subject: Any = None,
) -> Activity:
    """Append one activity about ``subject`` (default: the customer).

    Moves ``last_activity_at`` of the customer and of the subject (when it has one) forward,
    in the same transaction.
    """
    when = when or timezone.now()
    subject = subject if subject is not None else customer
    with transaction.atomic():
        activity = Activity.objects.create(
            customer=customer,
            subject_type=subject._meta.label_lower,
            subject_id=str(subject.pk),
            kind=kind,
            body=scrub(body),
            data=data or {},
            actor=actor if getattr(actor, "pk", None) else None,
            created_at=when,
        )
        for record in {id(r): r for r in (customer, subject) if r is not None}.values():
            if hasattr(record, "last_activity_at"):
                type(record).objects.filter(pk=record.pk).update(last_activity_at=when)
                record.last_activity_at = when
    return activity


# Activity kinds that carry another module's data: shown only to users who may read it.
KIND_MODULES = {Kind.TICKET: "tickets", Kind.MESSAGE: "messages", Kind.CALL: "calls"}


def visible_activities(user: Any) -> Any:
    """Activities this user may see: no ticket/message/call entries without that module,
    and for a role limited to its own records, only the calls it logged itself."""
    queryset = Activity.objects.all()
    hidden = [kind for kind, module in KIND_MODULES.items() if not has_access(user, module)]
    if hidden:
        queryset = queryset.exclude(kind__in=hidden)
    if Kind.CALL not in hidden and edits_only_own(user):
        queryset = queryset.exclude(Q(kind=Kind.CALL) & ~Q(actor=user))
    return queryset


def timeline(subject: Any, user: Any = None) -> Any:
    """Activities about one record that ``user`` may see (all, for system use), newest first.

    A customer's timeline includes the activities of its tickets, calls and messages.
    """
    from clientdesk.customers.models import Customer

    queryset = visible_activities(user) if user is not None else Activity.objects.all()
    if isinstance(subject, Customer):
        queryset = queryset.filter(customer=subject)
    else:
        queryset = queryset.filter(
            subject_type=subject._meta.label_lower, subject_id=str(subject.pk)
        )
    return queryset.select_related("actor")


def add_manual_activity(
    customer: Any, *, actor: Any, kind: str, body: str, subject: Any = None
) -> Activity:
    """ "+ Activity": a note, call, WhatsApp message or meeting typed by a user."""
    require(actor, "activities", Access.WRITE)
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
        activity = log_activity(
            customer, actor=actor, kind=kind, body=body.strip(), subject=subject
        )
        audit.record(
            actor=actor,
            action="create",
            target=activity,
            changes={"kind": {"old": None, "new": kind}},
        )
    return activity


__all__ = ["Kind", "add_manual_activity", "log_activity", "timeline"]
