"""Tickets in universal search (Ctrl+K): by number ("TKT-000042", "42"), number prefix ("TKT",
"TKT-0001") and subject text."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from clientdesk.core.search import SearchHit

from .filtersets import number_term
from .models import Ticket, TicketSubject


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
        # Indexed lookups only (Ctrl+K must answer in milliseconds on 500,000 tickets): the
        # exact number, or the few subjects whose name matches. The ticket list's own search
        # also looks in descriptions.
        subjects = list(
            TicketSubject.objects.filter(name__icontains=term).values_list("pk", flat=True)[:20]
        )
        query = Q(subject_id__in=subjects) if subjects else Q(pk__in=[])
        if number:
            query |= Q(number=number)
        prefix = number_prefix(term)
        if prefix == "":  # the bare prefix ("TKT", "tkt-"): the latest tickets
            query = Q()
        elif prefix is not None:  # "TKT-0001": every number that starts so, by index range
            query |= Q(number__gte=prefix, number__lt=prefix[:-1] + chr(ord(prefix[-1]) + 1))
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
        prefix = number_prefix(term)
        if ticket.number == number or (prefix is not None and ticket.number.startswith(prefix)):
            return "Ticket number"
        return "Subject"


def number_prefix(term: str) -> str | None:
    """The start of a ticket number typed with the firm's prefix: "TKT" -> "" (any number),
    "tkt-0001" -> "TKT-0001"; None when the term does not start with the prefix."""
    prefix = getattr(settings, "TICKET_NUMBER_PREFIX", "TKT")
    match = re.fullmatch(
        rf"{re.escape(prefix)}(?:[- ]?(\d{{1,6}}))?-?", term.strip(), re.IGNORECASE
    )
    if match is None:
        return None
    digits = match.group(1)
    return f"{prefix}-{digits}" if digits else ""
