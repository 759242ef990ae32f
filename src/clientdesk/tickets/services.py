"""Every write to tickets. Views, the API, tasks and tests call these functions.

Each write checks the actor's rights (module access plus the row rule: a role with edit
scope "own" — Support — changes only tickets assigned to it), runs in one transaction with
the ticket row locked, writes its audit record in that transaction and leaves messages to
customers for ``transaction.on_commit``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from clientdesk.activities.models import Kind
from clientdesk.activities.services import log_activity
from clientdesk.core import audit, stored_files
from clientdesk.core.counters import next_values
from clientdesk.core.permissions import Access, edits_only_own, has_access, require
from clientdesk.core.scopes import Capability, role_ids_with
from clientdesk.notifications.services import notify
from clientdesk.webhooks.events import emit

from . import sla
from .attachments import check_upload
from .models import (
    DONE_STATUSES,
    TRANSITIONS,
    WAITING_ON_CUSTOMER,
    Priority,
    RoundRobinState,
    SLAPolicy,
    Source,
    Status,
    Ticket,
    TicketAssignment,
    TicketAttachment,
    TicketComment,
    TicketSubject,
    TicketSurvey,
)

logger = logging.getLogger(__name__)

MODULE = "tickets"
ROUND_ROBIN_COUNTER = "ticket_round_robin"
SURVEY_VALID_FOR = dt.timedelta(days=14)
MAX_DESCRIPTION = 10_000
MAX_COMMENT = 5_000
MAX_ASSIGNEES = 10
_MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]+)")


# --- rights --------------------------------------------------------------------------------


def can_edit(user: Any, ticket: Ticket) -> bool:
    """Tickets WRITE plus the row rule (scope "own": only tickets assigned to the user)."""
    if not has_access(user, MODULE, Access.WRITE):
        return False
    if not edits_only_own(user):
        return True
    return TicketAssignment.objects.filter(ticket_id=ticket.pk, user_id=user.pk).exists()


def _require_edit(user: Any, ticket: Ticket) -> None:
    require(user, MODULE, Access.WRITE)
    if not can_edit(user, ticket):
        raise PermissionDenied("You may change only tickets assigned to you.")


def can_manage_settings(user: Any) -> bool:
    """Subjects and SLA targets: Managers and Admins (Tickets WRITE on every record)."""
    return has_access(user, MODULE, Access.WRITE) and not edits_only_own(user)


def _require_settings(user: Any) -> None:
    if not can_manage_settings(user):
        raise PermissionDenied("Only a Manager or an Admin can change ticket settings.")


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def ticket_url(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


def public_url(path: str) -> str:
    """An absolute URL for links that leave the app (the survey link in a message)."""
    base = getattr(settings, "SITE_URL", "") or "http://localhost:8000"
    return base.rstrip("/") + path


# --- messages to the customer (comms) ------------------------------------------------------


def _queue_customer_message(ticket: Ticket, *, actor: Any, event: str, context: dict) -> None:
    """Hand a message to the outbox after commit; the comms module may not be installed."""

    def send() -> None:
        try:
            from clientdesk.comms.services import (  # type: ignore[attr-defined]
                queue_customer_message,
            )
        except ImportError:
            logger.warning("comms outbox unavailable; %s for %s not queued", event, ticket.number)
            return
        queue_customer_message(
            ticket.customer, actor=actor, event=event, context=context, channel=None
        )

    transaction.on_commit(send, robust=True)


# --- creating and editing ------------------------------------------------------------------


def _clean(data: Mapping[str, Any], *, actor: Any, creating: bool) -> dict[str, Any]:
    """Validate the editable fields present in ``data``; field-named errors."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def check(name: str, ok: bool, message: str) -> None:
        if not ok:
            errors.setdefault(name, []).append(message)

    if creating or "customer" in data:
        customer = data.get("customer")
        from clientdesk.customers.models import Customer

        visible = (
            customer is not None
            and Customer.objects.visible_to(actor).filter(pk=customer.pk).exists()
        )
        check("customer", visible, "Choose the customer this ticket is for.")
        cleaned["customer"] = customer
    if creating or "subject" in data:
        subject = data.get("subject")
        check(
            "subject",
            isinstance(subject, TicketSubject) and subject.is_active,
            "Choose a subject from the list.",
        )
        cleaned["subject"] = subject
    if creating or "source" in data:
        source = data.get("source") or ""
        check("source", source in Source.values, "Choose where the request came from.")
        cleaned["source"] = source
    if creating or "priority" in data:
        priority = data.get("priority") or Priority.MEDIUM
        check("priority", priority in Priority.values, "Choose Low, Medium, High or Urgent.")
        cleaned["priority"] = priority
    if creating or "description" in data:
        description = (data.get("description") or "").strip()
        check(
            "description",
            len(description) <= MAX_DESCRIPTION,
            f"Keep the description under {MAX_DESCRIPTION:,} characters.",
        )
        cleaned["description"] = description
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_assignees(users: Iterable[Any] | None) -> list[Any]:
    chosen = list({u.pk: u for u in (users or [])}.values())
    if len(chosen) > MAX_ASSIGNEES:
        raise ValidationError({"assignees": f"Assign at most {MAX_ASSIGNEES} people."})
    inactive = [u for u in chosen if not u.is_active or not has_access(u, MODULE, Access.READ)]
    if inactive:
        names = ", ".join(str(u) for u in inactive)
        raise ValidationError({"assignees": f"These users cannot work on tickets: {names}."})
    return chosen


def new_number_for(value: int) -> str:
    """The human number for a counter value: "TKT-000042"."""
    prefix = getattr(settings, "TICKET_NUMBER_PREFIX", "TKT")
    return f"{prefix}-{value:06d}"


def new_number() -> str:
    return new_number_for(next_values("ticket")[0])


def create_ticket(*, actor: Any, data: Mapping[str, Any]) -> Ticket:
    """Open a ticket for a customer. Without assignees it goes to the next Support user in
    the round robin; assignees are notified."""
    require(actor, MODULE, Access.WRITE)
    cleaned = _clean(data, actor=actor, creating=True)
    assignees = _clean_assignees(data.get("assignees"))
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket(
            number=new_number(), created_by=_user_or_none(actor), created_at=now, **cleaned
        )
        sla.apply_targets(ticket, now)
        ticket.save()
        automatic = not assignees
        if automatic:
            picked = pick_support_user(now=now)
            assignees = [picked] if picked else []
        _add_assignees(ticket, assignees, actor=actor, now=now, rotate=not automatic)
        audit.record(
            actor=actor,
            action="create",
            target=ticket,
            changes=audit.diff({}, _snapshot(ticket) | {"assignees": _names(assignees)}),
        )
        log_activity(
            ticket.customer,
            actor=actor,
            kind=Kind.TICKET,
            body=f"{ticket.number} opened: {ticket.subject}.",
            data=_activity_data(ticket, event="created"),
            when=now,
            subject=ticket,
        )
        emit("ticket.created", ticket)
    return ticket


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    return {
        "customer": ticket.customer_id,
        "subject": str(ticket.subject),
        "description": ticket.description,
        "source": ticket.source,
        "priority": ticket.priority,
        "status": ticket.status,
    }


def _names(users: Iterable[Any]) -> str:
    return ", ".join(sorted(u.username for u in users))


def _activity_data(ticket: Ticket, **extra: Any) -> dict[str, Any]:
    return {"ticket": ticket.number, "ticket_id": ticket.pk, **extra}


def _lock(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update().select_related("customer", "subject").get(pk=ticket.pk)
    )


def update_ticket(ticket: Ticket, *, actor: Any, data: Mapping[str, Any]) -> Ticket:
    """Change subject, description, source or priority. A new priority re-computes the
    targets (from the creation time, plus any paused time) for what is not yet met."""
    _require_edit(actor, ticket)
    data = {k: v for k, v in data.items() if k in {"subject", "description", "source", "priority"}}
    cleaned = _clean(data, actor=actor, creating=False)
    with transaction.atomic():
        ticket = _lock(ticket)
        before = _snapshot(ticket)
        old_priority = ticket.priority
        for name, value in cleaned.items():
            setattr(ticket, name, value)
        changes = audit.diff(before, _snapshot(ticket))
        if not changes:
            return ticket
        fields = list(cleaned)
        if ticket.priority != old_priority:
            fields += _retarget(ticket, timezone.now())
        ticket.save(update_fields=[*fields, "updated_at"])
        audit.record(actor=actor, action="update", target=ticket, changes=changes)
        log_activity(
            ticket.customer,
            actor=actor,
            kind=Kind.TICKET,
            body=f"{ticket.number} updated: {', '.join(sorted(changes))}.",
            data=_activity_data(ticket, event="updated", fields=sorted(changes)),
            subject=ticket,
        )
    return ticket


def _retarget(ticket: Ticket, now: dt.datetime) -> list[str]:
    response, resolution = sla.targets_for(ticket.priority)
    paused = dt.timedelta(seconds=ticket.sla_paused_seconds)
    ticket.first_response_minutes, ticket.resolution_minutes = response, resolution
    fields = ["first_response_minutes", "resolution_minutes"]
    if ticket.first_response_at is None:
        ticket.first_response_due_at = ticket.created_at + dt.timedelta(minutes=response) + paused
        fields.append("first_response_due_at")
    if ticket.resolved_at is None:
        ticket.resolution_due_at = ticket.created_at + dt.timedelta(minutes=resolution) + paused
        fields.append("resolution_due_at")
    return fields + sla.refresh_status(ticket, now)


# --- assignment ----------------------------------------------------------------------------


def pick_support_user(*, now: dt.datetime | None = None) -> Any:
    """The active user in the rotation (roles with the round-robin capability: Support by
    default) who least recently received a ticket (never = first; ties by id). Call inside
    a transaction: the counter row lock serializes concurrent picks."""
    seq = next_values(ROUND_ROBIN_COUNTER)[0]
    last = RoundRobinState.objects.filter(user=OuterRef("pk")).values("last_seq")[:1]
    user = (
        get_user_model()
        .objects.filter(is_active=True, role_id__in=role_ids_with(Capability.ROUND_ROBIN))
        .annotate(rotation=Coalesce(Subquery(last), 0))
        .order_by("rotation", "id")
        .first()
    )
    if user is not None:
        _mark_rotation([user], seq, now or timezone.now())
    return user


def _in_rotation(users: list[Any]) -> list[Any]:
    """Those of ``users`` whose role receives round-robin tickets (one query)."""
    role_ids = {u.role_id for u in users if u.role_id}
    if not role_ids:
        return []
    rotating = set(
        role_ids_with(Capability.ROUND_ROBIN)
        .filter(role_id__in=role_ids)
        .values_list("role_id", flat=True)
    )
    return [u for u in users if u.role_id in rotating]


def _mark_rotation(users: Iterable[Any], seq: int, now: dt.datetime) -> None:
    for user in users:
        RoundRobinState.objects.update_or_create(
            user=user, defaults={"last_seq": seq, "last_assigned_at": now}
        )


def _add_assignees(
    ticket: Ticket, users: list[Any], *, actor: Any, now: dt.datetime, rotate: bool
) -> None:
    """Link users and notify them (not the actor). Manually assigned Support users move to
    the back of the round robin too, so the rotation stays fair."""
    TicketAssignment.objects.bulk_create(
        [
            TicketAssignment(
                ticket=ticket, user=u, assigned_by=_user_or_none(actor), assigned_at=now
            )
            for u in users
        ]
    )
    support = _in_rotation(users) if rotate else []
    if support:
        _mark_rotation(support, next_values(ROUND_ROBIN_COUNTER)[0], now)
    for user in users:
        if user.pk != getattr(actor, "pk", None):
            notify(
                user,
                kind="assignment",
                title=f"{ticket.number} assigned to you: {ticket.subject}",
                url=ticket_url(ticket),
                body=f"Customer: {ticket.customer.full_name}",
            )


def assign(ticket: Ticket, *, actor: Any, assignees: Iterable[Any]) -> Ticket:
    """Replace the assignees (manual reassignment); the new ones are notified."""
    _require_edit(actor, ticket)
    wanted = _clean_assignees(assignees)
    if not wanted:
        raise ValidationError({"assignees": "Choose at least one person."})
    now = timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        current = {a.user_id: a.user for a in ticket.assignments.select_related("user")}
        wanted_ids = {u.pk for u in wanted}
        added = [u for u in wanted if u.pk not in current]
        removed = [u for pk, u in current.items() if pk not in wanted_ids]
        if not added and not removed:
            return ticket
        TicketAssignment.objects.filter(ticket=ticket, user_id__in=[u.pk for u in removed]).delete()
        _add_assignees(ticket, added, actor=actor, now=now, rotate=True)
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=now)
        change = {"old": _names(current.values()), "new": _names(wanted)}
        audit.record(actor=actor, action="update", target=ticket, changes={"assignees": change})
        log_activity(
            ticket.customer,
            actor=actor,
            kind=Kind.TICKET,
            body=f"{ticket.number} assigned to {', '.join(str(u) for u in wanted)}.",
            data=_activity_data(ticket, event="assigned", assignees=sorted(wanted_ids)),
            when=now,
            subject=ticket,
        )
    return ticket


# --- status --------------------------------------------------------------------------------


def _check_transition(ticket: Ticket, to_status: str) -> None:
    current = ticket.status
    if to_status == current:
        message = f"The ticket is already {ticket.get_status_display()}."
        raise ValidationError({"status": ValidationError(message, code="invalid_transition")})
    if to_status not in TRANSITIONS[current]:
        message = f"A {Status(current).label} ticket cannot move to {Status(to_status).label}."
        raise ValidationError({"status": ValidationError(message, code="invalid_transition")})


def _apply_status(ticket: Ticket, to_status: str, now: dt.datetime) -> list[str]:
    """Set the status and everything it implies: SLA pause/resume and the milestone times."""
    fields = ["status"]
    if ticket.status in WAITING_ON_CUSTOMER and to_status not in WAITING_ON_CUSTOMER:
        fields += sla.resume(ticket, now)
    ticket.status = to_status
    if to_status in WAITING_ON_CUSTOMER:
        fields += sla.pause(ticket, now)
    if to_status in DONE_STATUSES:
        if ticket.first_response_at is None:  # resolving answers the customer
            ticket.first_response_at = now
            fields.append("first_response_at")
        if ticket.resolved_at is None:
            ticket.resolved_at = now
            fields.append("resolved_at")
    elif ticket.resolved_at is not None:  # reopened: the resolution target runs again
        ticket.resolved_at = None
        fields.append("resolved_at")
    if to_status == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
    return fields + sla.refresh_status(ticket, now)


def change_status(ticket: Ticket, *, actor: Any, to_status: str, note: str = "") -> Ticket:
    """Move a ticket along the transition table. Closing needs a reason and sends the
    satisfaction survey; other changes send the customer a ticket update."""
    _require_edit(actor, ticket)
    note = (note or "").strip()
    errors: dict[str, str] = {}
    if to_status not in Status.values:
        errors["status"] = f"Unknown status “{to_status}”."
    elif to_status == Status.CLOSED and not note:
        errors["note"] = "Give a reason for closing the ticket."
    if len(note) > 2000:
        errors["note"] = "Keep the note under 2,000 characters."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        _check_transition(ticket, to_status)
        from_status = ticket.status
        fields = _apply_status(ticket, to_status, now)
        ticket.save(update_fields=[*dict.fromkeys(fields), "updated_at"])
        change = {"status": {"old": from_status, "new": to_status}, "note": note}
        audit.record(actor=actor, action="status_change", target=ticket, changes=change)
        labels = f"{Status(from_status).label} → {Status(to_status).label}"
        log_activity(
            ticket.customer,
            actor=actor,
            kind=Kind.TICKET,
            body=f"{ticket.number}: {labels}." + (f"\n{note}" if note else ""),
            data=_activity_data(ticket, event="status", **{"from": from_status, "to": to_status}),
            when=now,
            subject=ticket,
        )
        if to_status == Status.CLOSED:
            _send_survey(ticket, actor=actor, now=now)
        else:
            context = {
                **_message_context(ticket),
                "old_status": Status(from_status).label,
                "new_status": Status(to_status).label,
                "update_text": note,
            }
            _queue_customer_message(ticket, actor=actor, event="ticket_update", context=context)
        emit("ticket.closed", ticket, only_if=to_status == Status.CLOSED)
    return ticket


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def bulk_close(ids: Iterable[int], *, actor: Any, reason: str) -> BulkResult:
    """Close several tickets with one reason; each closes on its own (one failure does not
    undo the others) and the ones that could not be closed are reported with why."""
    require(actor, MODULE, Access.WRITE)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Give a reason for closing the tickets."})
    result = BulkResult()
    tickets = Ticket.objects.visible_to(actor).filter(pk__in=list(ids)).order_by("id")
    for ticket in tickets:
        try:
            change_status(ticket, actor=actor, to_status=Status.CLOSED, note=reason)
        except PermissionDenied:
            result.skipped.append((ticket.number, "not assigned to you"))
        except ValidationError as exc:
            result.skipped.append((ticket.number, " ".join(exc.messages)))
        else:
            result.done.append(ticket.number)
    return result


# --- comments and attachments --------------------------------------------------------------


def mentioned_users(body: str) -> list[Any]:
    names = {m.rstrip(".") for m in _MENTION_RE.findall(body)}
    if not names:
        return []
    return list(get_user_model().objects.filter(username__in=names, is_active=True))


def add_comment(ticket: Ticket, *, actor: Any, body: str) -> TicketComment:
    """An internal comment. The first one is the ticket's first response; @username
    mentions notify those users (if they may read tickets)."""
    _require_edit(actor, ticket)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write a comment."})
    if len(body) > MAX_COMMENT:
        raise ValidationError({"body": f"Keep the comment under {MAX_COMMENT:,} characters."})
    now = timezone.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        comment = TicketComment.objects.create(
            ticket=ticket, author=_user_or_none(actor), body=body, created_at=now
        )
        fields = []
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            fields = ["first_response_at", *sla.refresh_status(ticket, now)]
        ticket.save(update_fields=[*fields, "updated_at"])
        audit.record(
            actor=actor, action="create", target=comment, changes={"ticket": ticket.number}
        )
        _notify_mentions(ticket, comment, actor)
    return comment


def _notify_mentions(ticket: Ticket, comment: TicketComment, actor: Any) -> None:
    for user in mentioned_users(comment.body):
        if user.pk == getattr(actor, "pk", None) or not has_access(user, MODULE):
            continue
        notify(
            user,
            kind="mention",
            title=f"{actor} mentioned you on {ticket.number}",
            url=ticket_url(ticket) + f"#comment-{comment.pk}",
            body=comment.body[:500],
            key=f"ticket:{ticket.pk}:comment:{comment.pk}:mention",
        )


def add_attachment(ticket: Ticket, *, actor: Any, upload: Any) -> TicketAttachment:
    """Check the file (type from its bytes, size, integrity) and store it encrypted under a
    random name; the uploader's file name is kept only as a label."""
    _require_edit(actor, ticket)
    checked = check_upload(upload)
    name = f"tickets/{ticket.pk}/{secrets.token_hex(16)}{stored_files.SUFFIX}"
    stored, key = stored_files.save_encrypted(name, io.BytesIO(checked.content))
    try:
        with transaction.atomic():
            attachment = TicketAttachment.objects.create(
                ticket=ticket,
                file=stored,
                original_name=checked.name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                file_key=key.token,
                file_key_id=key.key_id,
                uploaded_by=_user_or_none(actor),
                created_at=timezone.now(),
            )
            audit.record(
                actor=actor,
                action="create",
                target=attachment,
                changes={"ticket": ticket.number, "sha256": checked.sha256, "size": checked.size},
            )
    except Exception:
        default_storage.delete(stored)  # nothing half-written
        raise
    return attachment


def open_attachment(attachment: TicketAttachment, *, actor: Any) -> Any:
    """The stored file for a download, after the audit record of who took it."""
    require(actor, MODULE, Access.READ)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="export",
            target=attachment,
            changes={"download": attachment.original_name, "ticket": attachment.ticket_id},
        )
    return stored_files.open_stored(attachment)


# --- satisfaction survey -------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _send_survey(ticket: Ticket, *, actor: Any, now: dt.datetime) -> None:
    token = secrets.token_urlsafe(32)
    TicketSurvey.objects.create(
        ticket=ticket, token_hash=hash_token(token), sent_at=now, expires_at=now + SURVEY_VALID_FOR
    )
    url = public_url(reverse("tickets:survey", args=[token]))
    context = {**_message_context(ticket), "survey_url": url}
    _queue_customer_message(ticket, actor=actor, event="ticket_survey", context=context)


def _message_context(ticket: Ticket) -> dict[str, Any]:
    """What the comms templates of ticket events use (plain values, plus the ticket)."""
    return {
        "ticket": ticket,
        "ticket_number": ticket.number,
        "ticket_subject": ticket.subject.name,
        "ticket_status": ticket.get_status_display(),
    }


class SurveyUnavailable(Exception):
    """The link is unknown, already used or expired (``reason``: invalid, used, expired)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def survey_for_token(token: str, *, now: dt.datetime | None = None) -> TicketSurvey:
    survey = (
        TicketSurvey.objects.select_related("ticket", "ticket__subject")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )
    _check_survey(survey, now or timezone.now())
    assert survey is not None
    return survey


def _check_survey(survey: TicketSurvey | None, now: dt.datetime) -> None:
    if survey is None:
        raise SurveyUnavailable("invalid")
    if survey.answered_at is not None:
        raise SurveyUnavailable("used")
    if now >= survey.expires_at:
        raise SurveyUnavailable("expired")


def submit_survey(token: str, *, rating: Any, comment: str = "") -> TicketSurvey:
    """The customer's answer, accepted once and only before the link expires."""
    errors: dict[str, str] = {}
    text = (
        str(rating).strip()
        if isinstance(rating, int | str) and not isinstance(rating, bool)
        else ""
    )
    value = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= value <= 5:
        errors["rating"] = "Choose a rating from 1 to 5."
    comment = (comment or "").strip()
    if len(comment) > 2000:
        errors["comment"] = "Keep the comment under 2,000 characters."
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        survey = (
            TicketSurvey.objects.select_for_update()
            .filter(token_hash=hash_token(token or ""))
            .first()
        )
        _check_survey(survey, now)
        assert survey is not None
        survey.rating, survey.comment, survey.answered_at = value, comment, now
        survey.save(update_fields=["rating", "comment", "answered_at"])
        ticket = Ticket.objects.select_related("customer").get(pk=survey.ticket_id)
        audit.record(
            actor=None,
            action="update",
            target=ticket,
            changes={"survey": {"old": None, "new": f"{value}/5"}},
        )
        log_activity(
            ticket.customer,
            actor=None,
            kind=Kind.TICKET,
            body=f"{ticket.number}: satisfaction survey answered, {value}/5."
            + (f"\n{comment}" if comment else ""),
            data=_activity_data(ticket, event="survey", rating=value),
            when=now,
            subject=ticket,
        )
    return survey


# --- SLA breaches (background) -------------------------------------------------------------

BREACH_LABELS = {"response": "first response", "resolution": "resolution"}


def check_sla_breaches(now: dt.datetime | None = None) -> int:
    """Mark tickets whose target passed unmet and notify their assignees once per target.

    Run every few minutes by the scheduler; returns how many breaches were recorded.
    """
    now = now or timezone.now()
    due = (sla.response_overdue_q(now) & Q(first_response_breached_at__isnull=True)) | (
        sla.resolution_overdue_q(now) & Q(resolution_breached_at__isnull=True)
    )
    ids = list(
        Ticket.objects.exclude(status__in=DONE_STATUSES).filter(due).values_list("id", flat=True)
    )
    return sum(_mark_breach(pk, now) for pk in ids)


def _mark_breach(pk: int, now: dt.datetime) -> int:
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("subject").get(pk=pk)
        before = (ticket.first_response_breached_at, ticket.resolution_breached_at)
        fields = sla.refresh_status(ticket, now)
        if not fields:
            return 0
        ticket.save(update_fields=fields)
        kinds = [
            kind
            for kind, was, now_at in zip(
                ("response", "resolution"),
                before,
                (ticket.first_response_breached_at, ticket.resolution_breached_at),
                strict=True,
            )
            if was is None and now_at is not None
        ]
        audit.record(
            actor=None,
            action="update",
            target=ticket,
            changes={"sla_breach": kinds, "sla_status": ticket.sla_status},
        )
        for user in ticket.assignees.all():
            for kind in kinds:
                notify(
                    user,
                    kind="sla_breach",
                    title=f"SLA breached: {ticket.number} {BREACH_LABELS[kind]} overdue",
                    url=ticket_url(ticket),
                    body=f"{ticket.subject} · {ticket.get_priority_display()} priority",
                    key=f"ticket:{ticket.pk}:sla:{kind}",
                )
    return len(kinds)


# --- settings: subjects and SLA targets ----------------------------------------------------


def save_subject(
    *, actor: Any, name: str, is_active: bool = True, subject: TicketSubject | None = None
) -> TicketSubject:
    _require_settings(actor)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": "Give the subject a name (up to 100 characters)."})
    clash = TicketSubject.objects.filter(name__iexact=name)
    if subject is not None:
        clash = clash.exclude(pk=subject.pk)
    if clash.exists():
        raise ValidationError({"name": f"“{name}” is already in the list."})
    with transaction.atomic():
        creating = subject is None
        subject = subject or TicketSubject(position=TicketSubject.objects.count())
        before = {"name": subject.name, "is_active": subject.is_active}
        subject.name, subject.is_active = name, is_active
        subject.save()
        audit.record(
            actor=actor,
            action="create" if creating else "update",
            target=subject,
            changes=audit.diff({} if creating else before, {"name": name, "is_active": is_active}),
        )
    return subject


def update_sla_policy(
    *, actor: Any, priority: str, first_response_minutes: Any, resolution_minutes: Any
) -> SLAPolicy:
    """Change one priority's targets; applies to tickets created from now on."""
    _require_settings(actor)
    errors: dict[str, str] = {}
    values: dict[str, int] = {}
    for name, raw in (
        ("first_response_minutes", first_response_minutes),
        ("resolution_minutes", resolution_minutes),
    ):
        try:
            values[name] = int(raw)
        except (TypeError, ValueError):
            values[name] = 0
        if not 1 <= values[name] <= 60 * 24 * 90:
            errors[name] = "Enter minutes between 1 and 129,600 (90 days)."
    if not errors and values["resolution_minutes"] < values["first_response_minutes"]:
        errors["resolution_minutes"] = "Resolution cannot be due before the first response."
    if priority not in Priority.values:
        errors["priority"] = "Choose Low, Medium, High or Urgent."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy = SLAPolicy.objects.select_for_update().filter(priority=priority).first()
        before = (
            {}
            if policy is None
            else {
                "first_response_minutes": policy.first_response_minutes,
                "resolution_minutes": policy.resolution_minutes,
            }
        )
        policy, _ = SLAPolicy.objects.update_or_create(priority=priority, defaults=values)
        changes = audit.diff(before, values)
        if changes:
            audit.record(actor=actor, action="update", target=policy, changes=changes)
    return policy
