"""Reads of tickets, always through ``visible_to``."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Case, Count, IntegerField, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from .models import (
    OPEN_STATUSES,
    STATUS_TONES,
    Priority,
    Status,
    Ticket,
    TicketAttachment,
    TicketComment,
    TicketSurvey,
)


def ticket_for(user: Any, pk: int) -> Ticket:
    """Fetch and authorize together: 404 for what the user may not see."""
    return get_object_or_404(
        Ticket.objects.visible_to(user).select_related("customer", "subject", "created_by"),
        pk=pk,
    )


def assignees(ticket: Ticket) -> list[Any]:
    return [a.user for a in ticket.assignments.select_related("user").order_by("assigned_at", "id")]


def comments(ticket: Ticket) -> QuerySet[TicketComment]:
    return ticket.comments.select_related("author")


def attachments(ticket: Ticket) -> QuerySet[TicketAttachment]:
    return ticket.attachments.select_related("uploaded_by")


def survey(ticket: Ticket) -> TicketSurvey | None:
    return TicketSurvey.objects.filter(ticket=ticket).first()


def attachment_for(user: Any, ticket_pk: int, pk: int) -> TicketAttachment:
    """An attachment of a ticket the user may see (404 otherwise)."""
    visible = Ticket.objects.visible_to(user).filter(pk=ticket_pk)
    return get_object_or_404(
        TicketAttachment.objects.filter(ticket__in=visible.values("pk")), pk=pk, ticket_id=ticket_pk
    )


def customer_tickets(customer: Any, user: Any) -> list[Ticket]:
    """A customer's tickets for the profile tab: open ones first, newest first within."""
    open_first = Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(
        Ticket.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("subject")
        .prefetch_related("assignees")
        .order_by(open_first, "-created_at", "-id")[:200]
    )


def open_count(customer: Any) -> int:
    return Ticket.objects.filter(customer=customer, status__in=OPEN_STATUSES).count()


def survey_report(queryset: QuerySet[Ticket]) -> dict[str, Any]:
    """Average rating and count of answered surveys, overall and per priority."""
    answered = TicketSurvey.objects.filter(
        ticket__in=queryset.order_by().values("pk"), answered_at__isnull=False
    )
    totals = answered.aggregate(count=Count("id"), average=Avg("rating"))
    rows = {
        row["ticket__priority"]: row
        for row in answered.values("ticket__priority").annotate(
            count=Count("id"), average=Avg("rating")
        )
    }
    sent = TicketSurvey.objects.filter(ticket__in=queryset.order_by().values("pk")).count()
    per_priority = [
        {
            "priority": p.label,
            "count": rows.get(p.value, {}).get("count", 0),
            "average": rows.get(p.value, {}).get("average"),
        }
        for p in Priority
    ]
    return {
        "count": totals["count"],
        "average": totals["average"],
        "sent": sent,
        "per_priority": per_priority,
    }


def status_counts(queryset: QuerySet[Ticket]) -> list[dict[str, Any]]:
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("id")))
    return [
        {
            "value": s.value,
            "label": s.label,
            "count": counts.get(s.value, 0),
            "tone": STATUS_TONES[s],
        }
        for s in Status
    ]


def recent_surveys(queryset: QuerySet[Ticket], limit: int = 10) -> list[TicketSurvey]:
    return list(
        TicketSurvey.objects.filter(
            ticket__in=queryset.order_by().values("pk"), answered_at__isnull=False
        )
        .select_related("ticket", "ticket__customer", "ticket__subject")
        .order_by("-answered_at", "-id")[:limit]
    )
