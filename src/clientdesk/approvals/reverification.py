"""Re-verification: the computed ``Customer.next_reverification_on`` dates drive a queue,
a task for the customer's owner, a message asking for fresh documents, and — overdue beyond
``REVERIFICATION_GRACE_DAYS`` — a flag and, when ``REVERIFICATION_RESTRICT`` is on, a
restriction (the transaction intake refuses the customer's new transactions).

Buckets (``bucket_of``): ``upcoming`` (due within ``REVERIFICATION_NOTICE_DAYS``), ``due``
(the date has passed, still within the grace period) and ``overdue`` (beyond it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from clientdesk.activities.models import Kind
from clientdesk.activities.services import log_activity
from clientdesk.core import audit
from clientdesk.customers.models import Customer, Status

from .models import Restriction, Reverification, ReverificationState

BUCKETS = {"upcoming": "Due in the next 30 days", "due": "Due", "overdue": "Overdue"}
LIVE_STATUSES = (Status.PENDING, Status.ACTIVE, Status.SUSPENDED)


def _grace() -> dt.timedelta:
    return dt.timedelta(days=int(settings.REVERIFICATION_GRACE_DAYS))


def bucket_filter(bucket: str, today: dt.date) -> Q:
    notice = dt.timedelta(days=int(settings.REVERIFICATION_NOTICE_DAYS))
    if bucket == "upcoming":
        return Q(next_reverification_on__gt=today, next_reverification_on__lte=today + notice)
    if bucket == "due":
        return Q(next_reverification_on__lte=today, next_reverification_on__gt=today - _grace())
    return Q(next_reverification_on__lte=today - _grace())


def bucket_of(day: dt.date | None, today: dt.date) -> str:
    if day is None:
        return ""
    if day > today:
        notice = dt.timedelta(days=int(settings.REVERIFICATION_NOTICE_DAYS))
        return "upcoming" if day <= today + notice else ""
    return "due" if day > today - _grace() else "overdue"


def queue(user: Any, bucket: str, today: dt.date) -> QuerySet[Customer]:
    return (
        Customer.objects.visible_to(user)
        .filter(bucket_filter(bucket, today), status__in=LIVE_STATUSES)
        .select_related("assigned_to")
        .order_by("next_reverification_on", "id")
    )


def restriction_reason(day: dt.date) -> str:
    return f"Re-verification overdue since {day:%d %b %Y}: new transactions are not accepted."


def run_daily(today: dt.date | None = None) -> dict[str, int]:
    today = today or timezone.localdate()
    notice = dt.timedelta(days=int(settings.REVERIFICATION_NOTICE_DAYS))
    counts = {"notified": 0, "flagged": 0, "restricted": 0, "cleared": 0}
    candidates = Customer.objects.filter(
        status__in=LIVE_STATUSES, next_reverification_on__lte=today + notice
    ).exclude(reverifications__due_on=F("next_reverification_on"))
    for customer in candidates.select_related("assigned_to").iterator(chunk_size=500):
        notify(customer)
        counts["notified"] += 1
    overdue = Reverification.objects.filter(
        state=ReverificationState.NOTIFIED, due_on__lte=today - _grace()
    ).select_related("customer")
    for row in overdue:
        counts["restricted" if flag(row) else "flagged"] += 1
    counts["cleared"] = clear_done()
    return counts


def notify(customer: Customer) -> Reverification:
    """One row per due date: a task for the owner and a message asking for documents."""
    from clientdesk.comms.services import queue_customer_message
    from clientdesk.followups.models import Task

    due_on = customer.next_reverification_on
    assert due_on is not None
    with transaction.atomic():
        row, created = Reverification.objects.get_or_create(customer=customer, due_on=due_on)
        if not created:
            return row
        due_at = timezone.make_aware(dt.datetime.combine(due_on, dt.time(10)))
        task = Task.objects.create(
            title=f"Re-verify {customer.full_name} (due {due_on:%d %b %Y})",
            description="Collect fresh identity and address documents and review the profile.",
            assignee=customer.assigned_to,
            due_at=due_at,
            subject_type=customer._meta.label_lower,
            subject_id=str(customer.pk),
            subject_label=str(customer.full_name)[:200],
            customer=customer,
        )
        row.task, row.notified_at = task, timezone.now()
        row.save(update_fields=["task", "notified_at"])
        audit.record(actor=None, action="create", target=row, changes={"due_on": str(due_on)})
        transaction.on_commit(
            lambda: queue_customer_message(
                customer,
                actor=None,
                event="kyc_resubmission",
                context={
                    "reason": f"Your periodic re-verification is due on {due_on:%d %b %Y}.",
                    "documents": "A current proof of identity and proof of address",
                },
            ),
            robust=True,
        )
    return row


def flag(row: Reverification) -> bool:
    """Overdue beyond the grace period: flag, and restrict when the firm chose to."""
    restrict = bool(settings.REVERIFICATION_RESTRICT)
    now = timezone.now()
    with transaction.atomic():
        row = Reverification.objects.select_for_update().get(pk=row.pk)
        if row.state != ReverificationState.NOTIFIED:
            return False
        row.state = ReverificationState.RESTRICTED if restrict else ReverificationState.FLAGGED
        row.flagged_at = now
        row.restricted_at = now if restrict else None
        row.save(update_fields=["state", "flagged_at", "restricted_at"])
        reason = restriction_reason(row.due_on)
        if restrict:
            Restriction.objects.update_or_create(
                customer_id=row.customer_id, defaults={"reason": reason, "since": now}
            )
        audit.record(
            actor=None,
            action="status_change",
            target=row,
            changes={"state": {"old": "notified", "new": row.state}, "reason": reason},
        )
        log_activity(
            row.customer,
            actor=None,
            kind=Kind.REVIEW,
            body=reason if restrict else f"Re-verification overdue since {row.due_on:%d %b %Y}.",
            data={"reverification": row.pk, "state": row.state},
        )
    return restrict


def clear_done() -> int:
    """Customers re-verified since (a later date now): close their rows, lift restrictions."""
    done = Reverification.objects.exclude(state=ReverificationState.DONE).filter(
        customer__next_reverification_on__gt=F("due_on")
    )
    count = 0
    for row in done.select_related("customer"):
        with transaction.atomic():
            row.state = ReverificationState.DONE
            row.save(update_fields=["state"])
            lifted = Restriction.objects.filter(customer_id=row.customer_id).delete()[0]
            audit.record(
                actor=None,
                action="status_change",
                target=row,
                changes={"state": {"old": "open", "new": "done"}, "restriction_lifted": lifted},
            )
        count += 1
    return count


def restricted_reasons(customer_ids: list[int]) -> dict[int, str]:
    """For the transaction intake: restricted customers among ``customer_ids`` (no query
    when restrictions are switched off)."""
    if not settings.REVERIFICATION_RESTRICT or not customer_ids:
        return {}
    rows = Restriction.objects.filter(customer_id__in=customer_ids).values_list(
        "customer_id", "reason"
    )
    return dict(rows)
