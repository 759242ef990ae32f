"""Exact identifier lookups (PAN, Aadhaar, passport, ID number): never in a URL, only for
roles that may see identifiers, every one audited.

A search term shaped like an identifier (``looks_like_identifier``) is not searched by
``GET ?q=``: the page posts it to ``/customers/lookup/``, which keeps only its keyed hashes
in the session under a random token and redirects to ``/customers/?lookup=<token>``; the
Ctrl+K palette posts it to ``/search/``; API clients post it to
``/api/v1/customers/lookup/``. So the clear value never lands in an access log, a proxy or
the browser history. ``lookup_identifier`` is the one place that decides and audits
(docs/security-data.md).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clientdesk.core import audit
from clientdesk.core.crypto import keyed_hash
from clientdesk.core.masking import mask_tail
from clientdesk.core.permissions import Access, can_view_sensitive, require

from .models import HASHED_FIELDS

SESSION_KEY = "customer_identifier_lookups"
MAX_LOOKUPS = 20  # tokens one session keeps (oldest dropped)
REFUSED = (
    "Your role cannot look customers up by PAN, Aadhaar or ID number. Search by name, "
    "mobile, email or client ID."
)
IN_URL = (
    "Exact identifiers (PAN, Aadhaar, passport, ID numbers) are not accepted in a URL. "
    "POST them to /api/v1/customers/lookup/ as {'identifier': ...}."
)

_SEPARATORS_RE = re.compile(r"[\s\-]+")
_ALNUM_RE = re.compile(r"[A-Z0-9]{8,20}")
_AADHAAR_RE = re.compile(r"[2-9][0-9]{11}")


def compact(term: str) -> str:
    return _SEPARATORS_RE.sub("", (term or "").strip()).upper()


def _is_client_id(value: str) -> bool:
    prefix = settings.CLIENT_ID_PREFIX.upper()
    return value.startswith(prefix) and value[len(prefix) :].isdigit()


def looks_like_identifier(term: str) -> bool:
    """An Aadhaar (12 digits) or 8 to 20 letters and digits mixed (PAN, passport, voter ID,
    driving licence, national ID), other than a client ID. Phone numbers (digits only, not
    12), names and emails are not; ``static/js/lookup.js`` applies the same rule."""
    value = compact(term)
    if _AADHAAR_RE.fullmatch(value):
        return True
    if not _ALNUM_RE.fullmatch(value) or _is_client_id(value):
        return False
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def identifier_hashes(term: str) -> list[str]:
    value = compact(term)
    return sorted({keyed_hash(kind, value) for kind in HASHED_FIELDS})


def hash_q(hashes: Sequence[str]) -> Q:
    """Customers whose PAN, Aadhaar or ID number has one of these keyed hashes."""
    # The "not empty" terms repeat the partial unique indexes' condition so that SQLite
    # may use those indexes inside the OR (otherwise it scans the table).
    return (
        (Q(pan_hash__in=hashes) & ~Q(pan_hash=""))
        | (Q(aadhaar_hash__in=hashes) & ~Q(aadhaar_hash=""))
        | Q(id_number_hash__in=hashes)
    )


def may_look_up(user: Any) -> bool:
    return can_view_sensitive(user)


def lookup_identifier(term: str, *, actor: Any, via: str) -> list[str]:
    """The keyed hashes to match for ``term``, after checking the actor may look identifiers
    up; audited either way (the masked value, never the clear one). ``via``: page, search,
    api. Raises PermissionDenied for a role that may not see identifiers."""
    from .models import Customer

    require(actor, "customers", Access.READ)
    allowed = may_look_up(actor)
    hashes = identifier_hashes(term)
    matches = Customer.objects.filter(hash_q(hashes)).count() if allowed else None
    changes: dict[str, Any] = {"identifier": mask_tail(compact(term)), "via": via}
    changes.update({"matches": matches} if allowed else {"refused": True})
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="identifier_lookup",
            target=audit.Target("customers.customer", "", "Exact identifier lookup"),
            changes=changes,
        )
    if not allowed:
        raise PermissionDenied(REFUSED)
    return hashes


# --- the page's one-time tokens -----------------------------------------------------------


@dataclass(frozen=True)
class Lookup:
    token: str
    hashes: list[str]
    masked: str
    refused: bool = False


def start_lookup(request: Any, term: str) -> str:
    """Look ``term`` up (audited) and keep its hashes in the session under a new random
    token, returned for ``?lookup=<token>``. A refused lookup keeps no hashes, only the fact
    that it was refused, which the page then says."""
    try:
        hashes, refused = lookup_identifier(term, actor=request.user, via="page"), False
    except PermissionDenied:
        hashes, refused = [], True
    token = secrets.token_urlsafe(16)
    stored = dict(request.session.get(SESSION_KEY, {}))
    stored[token] = {
        "hashes": hashes,
        "masked": mask_tail(compact(term)),
        "refused": refused,
        "at": timezone.now().isoformat(),
    }
    request.session[SESSION_KEY] = dict(list(stored.items())[-MAX_LOOKUPS:])
    return token


def resolve_lookup(request: Any, token: str) -> Lookup | None:
    """The lookup behind ``token`` in this session, or None (unknown, expired, other
    session). Refused (no hashes) when the user may not, or no longer may, look up."""
    session = getattr(request, "session", None)
    entry = session.get(SESSION_KEY, {}).get(token) if session is not None else None
    if not entry:
        return None
    if entry.get("refused") or not may_look_up(request.user):
        return Lookup(token=token, hashes=[], masked=entry["masked"], refused=True)
    return Lookup(token=token, hashes=list(entry["hashes"]), masked=entry["masked"])
