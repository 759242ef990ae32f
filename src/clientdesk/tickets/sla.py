"""SLA arithmetic: due times, the pause while waiting on the customer, status and warnings.

Pure functions over a ticket's fields; the services persist what they compute.

The clock is *paused* while the ticket waits on the customer (status Follow-up Scheduled,
``models.WAITING_ON_CUSTOMER``): during a pause nothing can breach, and when the ticket
leaves that status the paused time is added to every due time not yet met, so a target
always measures the time the team had the ball.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from .models import DONE_STATUSES, Priority, SLAPolicy, SLAStatus, Ticket

# Used when no policy row exists for a priority (an Admin deleted it).
DEFAULT_TARGETS: dict[str, tuple[int, int]] = {
    Priority.URGENT: (30, 240),
    Priority.HIGH: (60, 480),
    Priority.MEDIUM: (240, 1440),
    Priority.LOW: (480, 2880),
}
WARNING_FRACTION = 0.2  # warn when less than 20% of a target's time is left


def targets_for(priority: str) -> tuple[int, int]:
    """(first response, resolution) minutes for a priority."""
    row = (
        SLAPolicy.objects.filter(priority=priority)
        .values_list("first_response_minutes", "resolution_minutes")
        .first()
    )
    return row or DEFAULT_TARGETS[priority]


def apply_targets(ticket: Ticket, start: dt.datetime) -> None:
    """Set the targets and due times of a new ticket created at ``start``."""
    response, resolution = targets_for(ticket.priority)
    ticket.first_response_minutes, ticket.resolution_minutes = response, resolution
    ticket.first_response_due_at = start + dt.timedelta(minutes=response)
    ticket.resolution_due_at = start + dt.timedelta(minutes=resolution)


def clock(ticket: Ticket, now: dt.datetime) -> dt.datetime:
    """The SLA clock's reading: it stands still at the start of a pause."""
    return ticket.sla_paused_at or now


def pause(ticket: Ticket, now: dt.datetime) -> list[str]:
    """Stop the clock (idempotent); returns the changed fields."""
    if ticket.sla_paused_at is not None:
        return []
    ticket.sla_paused_at = now
    return ["sla_paused_at"]


def resume(ticket: Ticket, now: dt.datetime) -> list[str]:
    """Restart the clock, pushing every unmet due time by the paused time."""
    if ticket.sla_paused_at is None:
        return []
    paused = max(now - ticket.sla_paused_at, dt.timedelta(0))
    ticket.sla_paused_seconds += int(paused.total_seconds())
    ticket.sla_paused_at = None
    fields = ["sla_paused_at", "sla_paused_seconds"]
    if ticket.first_response_at is None:
        ticket.first_response_due_at += paused
        fields.append("first_response_due_at")
    if ticket.resolved_at is None:
        ticket.resolution_due_at += paused
        fields.append("resolution_due_at")
    return fields


def response_failed(ticket: Ticket, now: dt.datetime) -> bool:
    if ticket.first_response_at is not None:
        return ticket.first_response_at > ticket.first_response_due_at
    return clock(ticket, now) > ticket.first_response_due_at


def resolution_failed(ticket: Ticket, now: dt.datetime) -> bool:
    if ticket.resolved_at is not None:
        return ticket.resolved_at > ticket.resolution_due_at
    return clock(ticket, now) > ticket.resolution_due_at


def status_of(ticket: Ticket, now: dt.datetime) -> str:
    """First Response Due until the first response; Failed once a target passed unmet (or
    was met late); otherwise Fulfilled."""
    if response_failed(ticket, now) or resolution_failed(ticket, now):
        return SLAStatus.FAILED
    if ticket.first_response_at is None:
        return SLAStatus.FIRST_RESPONSE_DUE
    return SLAStatus.FULFILLED


def refresh_status(ticket: Ticket, now: dt.datetime) -> list[str]:
    """Store the current SLA status (and breach times); returns the changed fields."""
    fields = []
    if ticket.first_response_breached_at is None and response_failed(ticket, now):
        ticket.first_response_breached_at = now
        fields.append("first_response_breached_at")
    if ticket.resolution_breached_at is None and resolution_failed(ticket, now):
        ticket.resolution_breached_at = now
        fields.append("resolution_breached_at")
    new_status = status_of(ticket, now)
    if new_status != ticket.sla_status:
        ticket.sla_status = new_status
        fields.append("sla_status")
    return fields


@dataclass(frozen=True)
class Target:
    """One SLA target as shown in the SLA panel."""

    label: str
    due_at: dt.datetime
    met_at: dt.datetime | None
    minutes: int
    state: str  # "met", "missed", "running", "paused", "overdue"
    warning: bool
    remaining: dt.timedelta | None


def _target(
    label: str,
    due: dt.datetime,
    met: dt.datetime | None,
    minutes: int,
    ticket: Ticket,
    now: dt.datetime,
) -> Target:
    if met is not None:
        state = "met" if met <= due else "missed"
        return Target(label, due, met, minutes, state, False, None)
    remaining = due - clock(ticket, now)
    overdue = remaining < dt.timedelta(0)
    warning = overdue or remaining <= dt.timedelta(minutes=minutes * WARNING_FRACTION)
    if overdue:
        state = "overdue"
    elif ticket.sla_paused_at is not None:
        state = "paused"
    else:
        state = "running"
    return Target(label, due, None, minutes, state, warning, remaining)


def targets(ticket: Ticket, now: dt.datetime) -> list[Target]:
    """The first-response and resolution targets with their state and warning flag."""
    return [
        _target(
            "First response",
            ticket.first_response_due_at,
            ticket.first_response_at,
            ticket.first_response_minutes,
            ticket,
            now,
        ),
        _target(
            "Resolution",
            ticket.resolution_due_at,
            ticket.resolved_at,
            ticket.resolution_minutes,
            ticket,
            now,
        ),
    ]


def warning(ticket: Ticket, now: dt.datetime) -> Target | None:
    """The target to warn about (past, or within 20% of its time), if any."""
    if ticket.status in DONE_STATUSES:
        return None
    return next((t for t in targets(ticket, now) if t.warning), None)


# --- the same rules as database conditions (for filters and the breach job) ---------------


def response_overdue_q(now: dt.datetime) -> Q:
    return Q(
        first_response_at__isnull=True, sla_paused_at__isnull=True, first_response_due_at__lt=now
    )


def resolution_overdue_q(now: dt.datetime) -> Q:
    return Q(resolved_at__isnull=True, sla_paused_at__isnull=True, resolution_due_at__lt=now)


def status_q(value: str, now: dt.datetime) -> Q:
    """Tickets whose SLA status *now* is ``value`` (the stored value may lag the clock by up
    to one run of the breach job; this does not)."""
    failed = Q(sla_status=SLAStatus.FAILED) | response_overdue_q(now) | resolution_overdue_q(now)
    if value == SLAStatus.FAILED:
        return failed
    if value == SLAStatus.FIRST_RESPONSE_DUE:
        return Q(first_response_at__isnull=True) & ~failed
    return Q(first_response_at__isnull=False) & ~failed
