"""Masks for sensitive identifiers, used by pages, API, exports and logs alike.

One style for every identifier: each character but the last four becomes ``X`` (PAN
``ABCPE1234F`` -> ``XXXXXX234F``, Aadhaar ``XXXX XXXX 2346``, ID and bank account numbers
alike). No mask shows more than four characters of the value (docs/security-data.md).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from stdnum import verhoeff


def mask_pan(value: str | None) -> str:
    """ABCPE1234F -> XXXXXX234F: only the last four characters stay."""
    return mask_tail(value)


def mask_tail(value: str | None, keep: int = 4) -> str:
    """Everything but the last ``keep`` characters becomes X."""
    if not value:
        return ""
    visible = value[-keep:] if len(value) > keep else ""
    return "X" * (len(value) - len(visible)) + visible


def mask_aadhaar(value: str | None) -> str:
    """Aadhaar shows only its last four digits: XXXX XXXX 1234."""
    if not value:
        return ""
    return f"XXXX XXXX {value[-4:]}"


def mask_date(value: dt.date | None) -> str:
    return "XX/XX/XXXX" if value else ""


MASKERS: dict[str, Callable[[Any], str]] = {
    "pan": mask_pan,
    "aadhaar": mask_aadhaar,
    "id_number": mask_tail,
    "bank_account_number": mask_tail,
    "date_of_birth": mask_date,
}


def mask(field: str, value: Any) -> str:
    return MASKERS[field](value)


_PAN_RE = re.compile(r"\b[A-Z]{5}\d{4}[A-Z]\b")
# 12 digits starting 2-9, not part of a longer number or a +country phone number; only a
# Verhoeff-valid match is treated as an Aadhaar number (see ``_mask_aadhaar``).
_AADHAAR_RE = re.compile(r"(?<![+\d])([2-9]\d{3})[ -]?(\d{4})[ -]?(\d{4})(?!\d)")


def scrub(text: str) -> str:
    """Mask anything shaped like a PAN or an Aadhaar number inside free text."""
    text = _PAN_RE.sub(lambda m: mask_pan(m[0]), text)
    return _AADHAAR_RE.sub(_mask_aadhaar, text)


def _mask_aadhaar(match: re.Match[str]) -> str:
    digits = "".join(match.groups())
    return f"XXXX XXXX {match[3]}" if verhoeff.is_valid(digits) else match[0]


# --- identifiers inside URLs --------------------------------------------------------------
# Request lines (runserver's django.server, django.request, gunicorn.access) carry what a
# browser or client sent: any case, separators as %20 or "+". Inside a URL the shapes are
# matched loosely (no checksum, any case): no URL of this application should carry one, so
# masking a look-alike costs nothing. Shapes: PAN, voter ID (EPIC), passport, Aadhaar.
_URL_RE = re.compile(r"(?:https?://[^\s\"'/]+)?/[^\s\"']*")
_URL_IDENTIFIER_RES = (
    re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{5}[0-9]{4}[A-Za-z](?![A-Za-z0-9])"),
    re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{3}[0-9]{7}(?![A-Za-z0-9])"),
    re.compile(r"(?<![A-Za-z0-9])[A-Za-z][0-9]{7}(?![A-Za-z0-9])"),
    re.compile(r"(?<![A-Za-z0-9+])[2-9][0-9]{3}[ \-]?[0-9]{4}[ \-]?[0-9]{4}(?![0-9])"),
)


def scrub_url(url: str) -> str:
    """The URL unchanged, or decoded with every identifier-shaped value masked."""
    decoded = unquote_plus(url)
    cleaned = decoded
    for pattern in _URL_IDENTIFIER_RES:
        cleaned = pattern.sub(lambda m: mask_tail(re.sub(r"[ \-]", "", m[0]).upper()), cleaned)
    return url if cleaned == decoded else cleaned


def scrub_urls(text: str) -> str:
    """``scrub_url`` applied to every path or URL inside a log line."""
    return _URL_RE.sub(lambda m: scrub_url(m[0]), text) if "/" in text else text


class MaskingLogFilter(logging.Filter):
    """Logging filter: no PAN or Aadhaar reaches a log line in clear, and no identifier-shaped
    value (PAN, Aadhaar, passport, voter ID) inside a request path or query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(scrub_urls(message))
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True
