"""Log records: request context and removal of personal identifiers.

``RequestContextFilter`` stamps every record with the request id (the ``X-Request-ID`` the
request came with, or the one generated for it; see ``core.middleware``) and the signed-in
user's id, so a JSON log line can be traced to the request and the audit trail.

``RedactingFilter`` removes PAN, Aadhaar, passport numbers, e-mail addresses and mobile
numbers from everything a record carries: the formatted message (so its arguments too), the
``extra`` fields, the exception text and the stack. PAN and Aadhaar become the product's
masks (``ABXXX1234X``, ``XXXX XXXX 1234``, as in pages and exports; ``core.masking``), the
others ``[passport]``, ``[email]``, ``[mobile]``. Patterns lean towards removing too much: a
log line is never the place an identifier must survive.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from . import context
from .masking import mask_aadhaar, mask_pan

_request: ContextVar[HttpRequest | None] = ContextVar("clientdesk_log_request", default=None)

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# PAN: 5 letters, 4 digits, 1 letter, any case (not an already masked ABXXX1234X).
_PAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}(?!XXX\d)[A-Za-z]{3}\d{4}[A-Za-z](?![A-Za-z0-9])")
# Aadhaar: 12 digits starting 2-9, in groups of 4 or not; every such number, checksum or not.
_AADHAAR = re.compile(r"(?<![\w+])[2-9]\d{3}([ -]?)\d{4}\1\d{4}(?![\w])")
# Mobile: an Indian mobile (optional +91 / 91 / 0, then 10 digits from 6-9), or any
# international number written with a leading + (E.164, 8-15 digits, spaces or dashes).
_MOBILE_IN = re.compile(r"(?<![\w+])(?:(?:\+|00)?91[ -]?|0)?[6-9]\d{4}[ -]?\d{5}(?!\w)")
_MOBILE_INTL = re.compile(r"(?<![\w+])\+[1-9](?:[ -]?\d){7,14}(?!\w)")
# Passport: the Indian format (a capital letter and 7 digits, as core.validators accepts).
# Other countries' numbers (6-9 letters and digits) have no shape that tells them from
# references such as client IDs (CD00000042), so they are not matched.
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])[A-Z]\d{7}(?![A-Za-z0-9])")

PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (_EMAIL, "[email]"),
    (_PAN, lambda m: mask_pan(m[0].upper())),
    (_AADHAAR, lambda m: mask_aadhaar(re.sub(r"\D", "", m[0]))),
    (_MOBILE_INTL, "[mobile]"),
    (_MOBILE_IN, "[mobile]"),
    (_PASSPORT, "[passport]"),
)

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = set(logging.LogRecord("x", 0, "x", 0, "x", None, None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "user_id",
}


def redact(text: str) -> str:
    for pattern, placeholder in PATTERNS:
        text = pattern.sub(placeholder, text)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return type(value)(_redact_value(v) for v in value)
    if isinstance(value, int | float | bool) or value is None:
        return redact(str(value)) if isinstance(value, int) and value > 10**8 else value
    return redact(str(value))


class RedactingFilter(logging.Filter):
    """Removes personal identifiers from the message, its arguments and extra fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad format arguments: keep every piece, redacted
            message = " ".join(str(p) for p in (record.msg, *(record.args or ())))
        record.msg, record.args = redact(message), ()
        for name in set(record.__dict__) - _STANDARD:
            record.__dict__[name] = _redact_value(record.__dict__[name])
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            record.exc_info = None  # formatters (JSON too) print the redacted exc_text
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``user_id`` (None outside a request or when anonymous)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = context.peek()
        record.request_id = ctx.request_id if ctx is not None else None
        record.user_id = _user_id()
        return True


def _user_id() -> int | None:
    """The request's user id if authentication already ran; never triggers a query itself
    (a probe such as /healthz must not touch the database to log a line)."""
    request = _request.get()
    user = request.__dict__.get("user") if request is not None else None
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


class LogUserMiddleware:
    """Makes the signed-in user's id available to log records of this request.

    Placed first: it only remembers the request; the user is read when a record is made."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


class ExpectedRefusalFilter(logging.Filter):
    """A 403 is an answer, not a fault: keep Django's one warning line, drop the traceback.

    Django logs every ``PermissionDenied`` on ``django.request`` with the exception attached,
    which printed a full stack for each refused page. The line (path, request id, user id)
    stays; the stack of an expected refusal tells an operator nothing.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from django.core.exceptions import PermissionDenied

        if record.exc_info and isinstance(record.exc_info[1], PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True
