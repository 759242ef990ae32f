"""Who may open a KYC document's file (download, preview, PDF pages), pages and API alike.

An ID proof (PAN card, Aadhaar letter, passport page ...) shows in clear the identifiers
that pages, API and exports mask everywhere else, so only roles allowed to see sensitive
identifiers (``Role.can_view_sensitive``) open its file. Everyone with Documents access still
sees that the document exists, its kind, its check outcome and its review status, and
Sales still uploads (docs/security-data.md). Every opened file is audited by
``services.open_document`` as before.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from clientdesk.core.permissions import can_view_sensitive

from .models import Document, DocumentKind

#: Kinds whose file shows identifiers in clear.
IDENTIFIER_KINDS = frozenset({DocumentKind.ID_PROOF})

REFUSED = (
    "Your role may see that this ID document exists, its checks and its status, but not "
    "open it: ID documents show identifiers in clear."
)


def may_open(user: Any, document: Document) -> bool:
    return document.kind not in IDENTIFIER_KINDS or can_view_sensitive(user)


def require_may_open(user: Any, document: Document) -> None:
    if not may_open(user, document):
        raise PermissionDenied(REFUSED)
