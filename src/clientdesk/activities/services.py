"""Writes to the timeline. Every activity moves the customer's last-activity date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils import timezone

from clientdesk.core import audit
from clientdesk.core.masking import scrub
from clientdesk.core.permissions import Access, Module, edits_only_own, has_access, require
from clientdesk.core.scopes import apply_scope, scope_q

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
    """Activities this user may see: no ticket/message/call entries without that module;
    call entries by the read scope of calls (own: the calls the user logged); and the
    read scope of activities (own: written by the user or about a record the user owns)."""
    queryset = Activity.objects.all()
    hidden = [kind for kind, module in KIND_MODULES.items() if not has_access(user, module)]
    if hidden:
        queryset = queryset.exclude(kind__in=hidden)
    calls = scope_q(user, Module.CALLS, "actor") if Kind.CALL not in hidden else None
    if calls is not None:
        queryset = queryset.exclude(Q(kind=Kind.CALL) & ~calls)
    return apply_scope(queryset, user, Module.ACTIVITIES, "actor", extra=_about_own_records)


def _about_own_records(who: Any) -> Q:
    """Activities about what the user (or team) owns: customers assigned, leads owned,
    tickets assigned (``who`` from ``clientdesk.core.scopes.scope_q``)."""
    from clientdesk.leads.models import Lead
    from clientdesk.tickets.models import TicketAssignment

    as_text = Cast("pk", output_field=CharField())
    leads = Lead.objects.filter(who("owner")).annotate(key=as_text).values("key")
    tickets = (
        TicketAssignment.objects.filter(who("user"))
        .annotate(key=Cast("ticket_id", output_field=CharField()))
        .values("key")
    )
    return (
        who("customer__assigned_to")
        | Q(subject_type="leads.lead", subject_id__in=leads)
        | Q(subject_type="tickets.ticket", subject_id__in=tickets)
    )


def can_add_activity(user: Any, subject: Any) -> bool:
    """ "+ Activity" on ``subject`` (a customer, lead or ticket): Activities write, and the
    row rule of ticket comments: a role whose edit scope is "own" adds activities only to
    records it owns: a customer assigned to it (or one it may contact, e.g. through an
    open ticket assigned to it), a lead it owns, a ticket assigned to it."""
    if not has_access(user, Module.ACTIVITIES, Access.WRITE):
        return False
    if not edits_only_own(user):
        return True
    owns = OWNERSHIP.get(subject._meta.label_lower)
    return bool(owns and owns(user, subject))


def _owns_customer(user: Any, customer: Any) -> bool:
    from clientdesk.comms.services import CONTACT_RULES

    if customer.assigned_to_id == user.pk:
        return True
    return any(rule(user, customer) for rule in CONTACT_RULES)


def _owns_ticket(user: Any, ticket: Any) -> bool:
    from clientdesk.tickets.models import TicketAssignment

    return TicketAssignment.objects.filter(ticket_id=ticket.pk, user_id=user.pk).exists()


OWNERSHIP: dict[str, Callable[[Any, Any], bool]] = {
    "customers.customer": _owns_customer,
    "leads.lead": lambda user, lead: lead.owner_id == user.pk,
    "tickets.ticket": _owns_ticket,
}


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
    """ "+ Activity": a note, call, WhatsApp message or meeting typed by a user, on a
    record the user may annotate (``can_add_activity``)."""
    require(actor, "activities", Access.WRITE)
    if not can_add_activity(actor, subject if subject is not None else customer):
        raise PermissionDenied("You may add activities only to records assigned to you.")
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


__all__ = ["Kind", "add_manual_activity", "can_add_activity", "log_activity", "timeline"]


# --- last-activity dates after bulk intake ----------------------------------------------------


def touch_last_activity(model: Any, latest: Mapping[int, dt.datetime], *, defer_over: int) -> None:
    """Move ``last_activity_at`` of the rows forward: now for up to ``defer_over`` rows, in
    a background task enqueued on commit for more.

    The column is indexed (lists sort by it), so each update rewrites the row and every one
    of its indexes, ~0.5 ms a row on a million customers: more than storing a bulk intake's
    own rows. The intake's timeline entries are stored at once either way; only the dates
    follow seconds later. Used by call and transaction intake.
    """
    if not latest:
        return
    if len(latest) <= defer_over:
        move_last_activity(model, latest)
        return
    from .tasks import move_last_activity_later

    items = [[pk, at.isoformat()] for pk, at in sorted(latest.items())]
    label = model._meta.label
    transaction.on_commit(lambda: move_last_activity_later.enqueue(label, items))


def move_last_activity(model: Any, latest: Mapping[int, dt.datetime]) -> None:
    """Move ``last_activity_at`` of each row forward to its time (never backward).

    One ``UPDATE ... FROM (VALUES ...)`` per 400 rows (in primary-key order), on SQLite
    (3.33+) and PostgreSQL alike. Raw SQL because the ORM's equivalent (a CASE with a WHEN
    per row) costs ~10 ms of Python per hundred rows to build.
    """
    items = sorted(latest.items())
    if not items:
        return
    field = model._meta.get_field("last_activity_at")
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(field.column)
    pk = connection.ops.quote_name(model._meta.pk.column)
    cast = "::timestamptz" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        for start in range(0, len(items), 400):
            chunk = items[start : start + 400]
            values = ", ".join([f"(%s, %s{cast})"] * len(chunk))
            params: list[Any] = []
            for row_pk, at in chunk:
                params += [row_pk, field.get_db_prep_value(at, connection)]
            cursor.execute(
                f"UPDATE {table} SET {column} = v.column2 FROM (VALUES {values}) AS v "  # noqa: S608 - names quoted, values bound
                f"WHERE {table}.{pk} = v.column1 "
                f"AND ({table}.{column} IS NULL OR {table}.{column} < v.column2)",
                params,
            )
