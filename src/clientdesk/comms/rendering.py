"""Rendering message templates safely.

Templates are edited by Admins and Managers in the app, so they run in a sandbox:
- their own template engine, with no loaders and no libraries: ``{% include %}``,
  ``{% extends %}`` and ``{% load %}`` cannot reach files or extra tags, and ``{% debug %}``
  is refused when the template is saved;
- a context of plain values only (strings, numbers, dates as text, lists and dicts of them):
  no model instance, so ``{{ customer.pan }}`` or a method call can reach nothing that was
  not handed over on purpose;
- no autoescaping: the output is plain text (email, SMS), never HTML.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.utils import timezone

FORBIDDEN_TAGS = ("include", "extends", "load", "debug", "block", "ssi", "csrf_token")
_FORBIDDEN = re.compile(r"{%-?\s*(" + "|".join(FORBIDDEN_TAGS) + r")\b")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_TEXT = 5000


@lru_cache(maxsize=1)
def engine() -> Engine:
    return Engine(loaders=[], libraries={}, autoescape=False, string_if_invalid="", debug=False)


def plain(value: Any, depth: int = 0) -> Any:
    """A value reduced to what a template may see: text, numbers, lists and dicts of them."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return local.strftime("%d %b %Y, %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d %b %Y")
    if depth < 3 and isinstance(value, Mapping):
        return {str(k): plain(v, depth + 1) for k, v in value.items() if _NAME.match(str(k))}
    if depth < 3 and isinstance(value, list | tuple):
        return [plain(v, depth + 1) for v in value[:100]]
    return str(value)[:MAX_TEXT]


def base_context(customer: Any) -> dict[str, Any]:
    return {
        "customer": {
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "full_name": customer.full_name,
            "client_id": customer.client_id,
        },
        "company": {
            "name": settings.COMMS_SENDER_NAME,
            "support_email": settings.COMMS_SUPPORT_EMAIL,
        },
    }


def build_context(customer: Any, context: Mapping[str, Any]) -> dict[str, Any]:
    """The event's variables (plain values only) plus ``customer`` and ``company``."""
    values = {str(k): plain(v) for k, v in context.items() if _NAME.match(str(k))}
    values.update(base_context(customer))  # callers cannot replace these
    return values


def check(source: str) -> None:
    """Raise ValidationError when ``source`` uses a forbidden tag or does not compile."""
    found = _FORBIDDEN.search(source)
    if found:
        raise ValidationError(f"The tag “{found.group(1)}” is not allowed in message templates.")
    try:
        engine().from_string(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(f"Template error: {exc}") from exc


def render(source: str, context: Mapping[str, Any]) -> str:
    """Render one subject or body; raises ValidationError on a bad template."""
    check(source)
    try:
        return engine().from_string(source).render(Context(dict(context), autoescape=False))
    except Exception as exc:  # a filter given the wrong type, and the like
        raise ValidationError(f"Template error: {exc}") from exc


def render_message(subject: str, body: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, body): the subject on one line of at most 200 characters."""
    rendered_subject = " ".join(render(subject, context).split())[:200]
    return rendered_subject, render(body, context).strip()
