"""Finding customers fast on both engines.

SQLite: an FTS5 table with the trigram tokenizer (``customers_customer_fts``, kept by
triggers) answers substring matches on name, mobile and email. PostgreSQL: pg_trgm GIN
indexes answer the same ``LIKE '%term%'``. Client IDs and name prefixes use b-tree ranges;
PAN, Aadhaar and ID numbers match exactly through keyed hashes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse

from clientdesk.core.search import SearchHit

from .lookup import hash_q, looks_like_identifier, lookup_identifier
from .models import STATUS_TONES, Customer

_HIGH = "\U0010ffff"


def _digits(term: str) -> str:
    return re.sub(r"[\s\-()+]", "", term)


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def search_q(term: str, hashes: Sequence[str] = ()) -> Q:
    """One Q matching a customer by any searchable field (used by list, API and Ctrl+K).

    Exact identifiers match only through ``hashes``, which only an audited identifier
    lookup supplies (``lookup.lookup_identifier``): a plain ``GET ?q=`` never does."""
    term = term.strip()
    lowered, upper = term.lower(), term.upper().replace(" ", "")
    query = _prefix_q("search_name", lowered) | _prefix_q("client_id", upper)
    digits = _digits(term)
    if hashes:
        query |= hash_q(hashes)
    if len(term) >= 3:
        query |= _substring_q(lowered, digits if digits.isdigit() else "")
    return query


def _prefix_q(field: str, value: str) -> Q:
    """A prefix match that uses a b-tree: a byte range on SQLite, LIKE 'x%' with the
    pattern-ops index Django adds for indexed text columns on PostgreSQL."""
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": value, f"{field}__lt": value + _HIGH})
    return Q(**{f"{field}__startswith": value})


def _substring_q(lowered: str, digits: str) -> Q:
    if connection.vendor == "sqlite":
        terms = [lowered] + ([digits] if digits and digits != lowered and len(digits) >= 3 else [])
        match = " OR ".join(_fts_phrase(t) for t in terms)
        return Q(
            pk__in=RawSQL(
                "SELECT rowid FROM customers_customer_fts WHERE customers_customer_fts MATCH %s",
                [match],
            )
        )
    query = Q(search_name__contains=lowered) | Q(email__contains=lowered)
    if digits and len(digits) >= 3:
        query |= Q(mobile__contains=digits) | Q(alt_mobile__contains=digits)
    return query


def filter_customers(
    queryset: QuerySet[Customer], term: str, hashes: Sequence[str] = ()
) -> QuerySet[Customer]:
    term = (term or "").strip()
    if not term:
        return queryset
    return queryset.filter(search_q(term, hashes))


def _matched_field(customer: Customer, term: str) -> str:
    lowered, digits = term.lower(), _digits(term)
    if customer.client_id.startswith(term.upper()):
        return "Client ID"
    if lowered in customer.search_name:
        return "Name"
    if digits and digits in customer.mobile:
        return "Mobile"
    if digits and digits in customer.alt_mobile:
        return "Alternative mobile"
    if lowered in customer.email:
        return "Email"
    return "Identifier"


def _rank(customer: Customer, term: str) -> tuple[int, str]:
    lowered = term.lower()
    if customer.client_id == term.upper():
        return (0, customer.search_name)
    if customer.search_name.startswith(lowered):
        return (1, customer.search_name)
    return (2, customer.search_name)


class CustomerSearch:
    label = "Customers"
    module = "customers"

    def search(
        self, user: Any, term: str, limit: int, hashes: Sequence[str] = ()
    ) -> list[SearchHit]:
        rows = list(
            Customer.objects.visible_to(user)
            .filter(search_q(term, hashes))
            .only(
                "id",
                "client_id",
                "first_name",
                "last_name",
                "search_name",
                "mobile",
                "alt_mobile",
                "email",
                "status",
                "city",
            )
            .order_by()[: limit * 3]
        )
        rows.sort(key=lambda c: _rank(c, term))
        return [
            SearchHit(
                title=c.full_name,
                subtitle=f"{c.client_id} · {c.mobile}" + (f" · {c.city}" if c.city else ""),
                url=reverse("customers:detail", args=[c.pk]),
                badge=c.get_status_display(),
                badge_tone=STATUS_TONES.get(c.status, "grey"),
                matched=_matched_field(c, term),
            )
            for c in rows[:limit]
        ]

    def lookup(self, user: Any, term: str, limit: int) -> list[SearchHit]:
        """Ctrl+K sent an identifier by POST: the audited exact lookup plus the usual
        matches; a role that may not look identifiers up gets the usual matches only."""
        if not looks_like_identifier(term):  # a fragment on its way: no lookup, no audit
            return self.search(user, term, limit)
        try:
            hashes = lookup_identifier(term, actor=user, via="search")
        except PermissionDenied:
            hashes = []
        return self.search(user, term, limit, hashes)
