"""Tickets in universal search (Ctrl+K): by number ("TKT-000042", "42") and subject text."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse

from clientdesk.core.search import SearchHit

from .filtersets import number_term
from .models import Ticket


def _hit(ticket: Ticket, matched: str) -> SearchHit:
    return SearchHit(
        title=f"{ticket.number} · {ticket.subject.name}",
        subtitle=f"{ticket.customer.full_name} · {ticket.get_priority_display()} priority",
        url=reverse("tickets:detail", args=[ticket.pk]),
        badge=ticket.get_status_display(),
        badge_tone=ticket.status_tone,
        matched=matched,
    )


class TicketSearch:
    label = "Tickets"
    module = "tickets"

    def search(self, user: Any, term: str, limit: int) -> list[SearchHit]:
        from .services import new_number_for

        term = term.strip()
        digits = number_term(term)
        number = new_number_for(int(digits)) if digits is not None else None
        query = Q(subject__name__icontains=term)
        if number:
            query |= Q(number=number)
        if len(term) >= 3:
            query |= Q(description__icontains=term)
        rows = list(
            Ticket.objects.visible_to(user)
            .filter(query)
            .select_related("customer", "subject")
            .only(
                "id",
                "number",
                "status",
                "priority",
                "created_at",
                "customer__first_name",
                "customer__last_name",
                "subject__name",
            )
            .order_by("-created_at", "-id")[:limit]
        )
        rows.sort(key=lambda t: t.number != number)  # the exact number first
        return [_hit(t, self._matched(t, term, number)) for t in rows]

    @staticmethod
    def _matched(ticket: Ticket, term: str, number: str | None) -> str:
        if ticket.number == number:
            return "Ticket number"
        if term.lower() in ticket.subject.name.lower():
            return "Subject"
        return "Description"
