"""Masks for sensitive identifiers, used by pages, API, exports and logs alike."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any

from stdnum import verhoeff


def mask_pan(value: str | None) -> str:
    """ABCDE1234F -> ABXXX1234X: the first two letters and the digits stay."""
    if not value:
        return ""
    if len(value) != 10:
        return mask_tail(value)
    return f"{value[:2]}XXX{value[5:9]}X"


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


_PAN_RE = re.compile(r"\b([A-Z]{2})[A-Z]{3}(\d{4})[A-Z]\b")
# 12 digits starting 2-9, not part of a longer number or a +country phone number; only a
# Verhoeff-valid match is treated as an Aadhaar number (see ``_mask_aadhaar``).
_AADHAAR_RE = re.compile(r"(?<![+\d])([2-9]\d{3})[ -]?(\d{4})[ -]?(\d{4})(?!\d)")


def scrub(text: str) -> str:
    """Mask anything shaped like a PAN or an Aadhaar number inside free text."""
    text = _PAN_RE.sub(lambda m: f"{m[1]}XXX{m[2]}X", text)
    return _AADHAAR_RE.sub(_mask_aadhaar, text)


def _mask_aadhaar(match: re.Match[str]) -> str:
    digits = "".join(match.groups())
    return f"XXXX XXXX {match[3]}" if verhoeff.is_valid(digits) else match[0]


class MaskingLogFilter(logging.Filter):
    """Logging filter: no PAN or Aadhaar reaches a log line in clear."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True
