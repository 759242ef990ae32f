"""Leads in universal search (Ctrl+K) and the list's ``q`` filter: name, mobile, email."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from clientdesk.core.search import SearchHit

from .models import Lead

_DIGITS_RE = re.compile(r"[\s\-()+]")


def _digits(term: str) -> str:
    return _DIGITS_RE.sub("", term)


def search_q(term: str) -> Q:
    """One Q matching a lead by name (prefix, or substring from 3 characters), mobile or
    alternative mobile digits, or email."""
    term = term.strip()
    lowered = term.lower()
    query = Q(search_name__startswith=lowered)
    if len(term) >= 3:
        query |= Q(search_name__contains=lowered) | Q(email__contains=lowered)
        digits = _digits(term)
        if digits.isdigit() and len(digits) >= 3:
            query |= Q(mobile__contains=digits) | Q(alt_mobile__contains=digits)
    return query


def filter_leads(queryset: QuerySet[Lead], term: str) -> QuerySet[Lead]:
    term = (term or "").strip()
    return queryset.filter(search_q(term)) if term else queryset


def matched_field(lead: Lead, term: str) -> str:
    lowered, digits = term.strip().lower(), _digits(term)
    if lowered in lead.search_name:
        return "Name"
    if digits and digits in lead.mobile:
        return "Mobile"
    if digits and digits in lead.alt_mobile:
        return "Alternative mobile"
    if lowered in lead.email:
        return "Email"
    return ""


def _rank(lead: Lead, term: str) -> tuple[int, str]:
    return (0 if lead.search_name.startswith(term.strip().lower()) else 1, lead.search_name)


class LeadSearch:
    label = "Leads"
    module = "leads"

    def search(self, user: Any, term: str, limit: int) -> list[SearchHit]:
        fields = ("id", "first_name", "last_name", "search_name", "mobile", "alt_mobile")
        rows = list(
            Lead.objects.visible_to(user)
            .filter(search_q(term))
            .only(*fields, "email", "status", "source")
            .order_by()[: limit * 3]
        )
        rows.sort(key=lambda lead: _rank(lead, term))
        return [
            SearchHit(
                title=lead.full_name,
                subtitle=f"Lead · {lead.mobile} · {lead.get_source_display()}",
                url=reverse("leads:detail", args=[lead.pk]),
                badge=lead.get_status_display(),
                badge_tone=lead.tone,
                matched=matched_field(lead, term),
            )
            for lead in rows[:limit]
        ]
