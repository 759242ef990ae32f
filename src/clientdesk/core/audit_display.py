"""Audit records as a person reads them: labels, names, local dates, "—" for empty.

An audit record keeps what the service wrote (``{"field": {"old": ..., "new": ...}}``, ISO
timestamps, primary keys, ``app.model:pk`` references). Shown as stored, that reads as
developer data ("Assigned to ∅ → 1", "2026-12-07T14:13:09.518850+00:00"). This module turns
each value into its label using the model field it came from, and resolves the records a
page refers to (users, customers, tickets ...) with one query per model for the whole page,
never one per row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst

EMPTY = "—"
# "tickets.ticket:30": the reference shape of ``audit.Target`` and of generic subjects.
_REFERENCE_RE = re.compile(r"^([a-z_]+\.[a-z_]+):(\d+)$")
_HEX_DIGEST_RE = re.compile(r"^[0-9a-f]{40,128}$")

# Where a record of each type is shown (url name taking ``pk``). Types without a page of
# their own are shown by name only.
DETAIL_URLS: dict[str, str] = {
    "customers.customer": "customers:detail",
    "leads.lead": "leads:detail",
    "tickets.ticket": "tickets:detail",
    "comms.message": "comms:detail",
    "followups.task": "followups:detail",
    "transactions.alert": "transactions:alert",
    "screening.screeninghit": "screening:hit",
    "kyc.document": "kyc:review",
    "accounts.user": "accounts:user_edit",
}


def model_for(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type) if "." in object_type else None
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        # "customer_id" written for the foreign key "customer"
        if name.endswith("_id"):
            return _field(model, name[:-3])
        return None


def field_label(model: type[models.Model] | None, name: str) -> str:
    """ "kyc_status" -> "KYC status"; "opt_out.email" -> "Opt out (email)"."""
    if "." in name:
        head, _, tail = name.partition(".")
        return f"{field_label(model, head)} ({tail.replace('_', ' ')})"
    field = _field(model, name)
    label = getattr(field, "verbose_name", None) or name.replace("_", " ")
    return capfirst(str(label))


def detail_url(object_type: str, pk: Any) -> str:
    name = DETAIL_URLS.get(object_type)
    if not name:
        return ""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


class AuditDisplay:
    """Renders the changes of a page of audit events; references resolved in bulk."""

    def __init__(self, events: Iterable[Any]) -> None:
        self.events = list(events)
        self._names: dict[tuple[str, str], str] = {}
        self._resolve(self._references())

    # --- references -------------------------------------------------------------------

    def _references(self) -> dict[str, set[str]]:
        wanted: dict[str, set[str]] = defaultdict(set)
        for event in self.events:
            model = model_for(event.object_type)
            for name, change in (event.changes or {}).items():
                for value in _values(change):
                    ref = self._reference(model, name, value)
                    if ref:
                        wanted[ref[0]].add(ref[1])
        return wanted

    @staticmethod
    def _reference(model: Any, name: str, value: Any) -> tuple[str, str] | None:
        if isinstance(value, str) and (match := _REFERENCE_RE.match(value)):
            return match[1], match[2]
        field = _field(model, name)
        related: Any = getattr(field, "related_model", None)
        if isinstance(field, models.ForeignKey) and hasattr(related, "_meta") and _is_pk(value):
            return related._meta.label_lower, str(value)
        return None

    def _resolve(self, wanted: dict[str, set[str]]) -> None:
        for object_type, pks in wanted.items():
            model = model_for(object_type)
            if model is None:
                continue
            for obj in model._default_manager.filter(pk__in=sorted(pks, key=int)):
                self._names[(object_type, str(obj.pk))] = _name_of(obj)

    # --- rendering ----------------------------------------------------------------------

    def changes(self, event: Any) -> SafeString:
        model = model_for(event.object_type)
        rows = []
        for name, change in (event.changes or {}).items():
            label = field_label(model, name)
            if isinstance(change, dict) and "new" in change:
                old = self.value(model, name, change.get("old"))
                new = self.value(model, name, change.get("new"))
                rows.append((label, format_html("{} → {}", old, new)))
            else:
                rows.append((label, self.value(model, name, change)))
        return format_html_join("", '<div><span class="muted">{}</span> {}</div>', rows)

    def value(self, model: Any, name: str, value: Any) -> SafeString:
        if value is None or value == "" or value == []:
            return format_html("{}", EMPTY)
        if isinstance(value, list):
            return format_html_join(", ", "{}", ((self.value(model, name, v),) for v in value))
        if isinstance(value, dict):
            items = ((capfirst(str(k).replace("_", " ")), v) for k, v in value.items())
            return format_html_join("; ", "{}: {}", items)
        ref = self._reference(model, name, value)
        if ref:
            return self.reference(*ref)
        return format_html("{}", _plain(_field(model, name), value))

    def reference(self, object_type: str, pk: str) -> SafeString:
        name = self._names.get((object_type, pk))
        if name is None:
            model = model_for(object_type)
            kind = capfirst(str(model._meta.verbose_name)) if model else object_type
            name = f"{kind} #{pk}"
        url = detail_url(object_type, pk)
        return format_html('<a href="{}">{}</a>', url, name) if url else format_html("{}", name)

    def target(self, event: Any) -> SafeString:
        """The record an event is about: its name, kind and a link to its page."""
        model = model_for(event.object_type)
        kind = capfirst(str(model._meta.verbose_name)) if model else event.object_type
        name = event.object_repr or (f"#{event.object_id}" if event.object_id else kind)
        url = detail_url(event.object_type, event.object_id) if event.object_id else ""
        link = format_html('<a href="{}">{}</a>', url, name) if url else format_html("{}", name)
        return format_html('{}<div class="muted">{}</div>', link, kind)


def _values(change: Any) -> Sequence[Any]:
    if isinstance(change, dict) and "new" in change:
        found = [change.get("old"), change.get("new")]
    else:
        found = [change]
    flat: list[Any] = []
    for value in found:
        flat.extend(value if isinstance(value, list) else [value])
    return flat


def _is_pk(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.isascii() and value.isdecimal() and len(value) < 19
    )


def _name_of(obj: Any) -> str:
    full_name = getattr(obj, "get_full_name", None)
    if callable(full_name):
        return full_name() or str(obj)
    return str(obj)


def _plain(field: Any, value: Any) -> str:
    """One stored value as text: choice label, Yes/No, local date, grouped number."""
    choices = dict(getattr(field, "flatchoices", None) or [])
    if choices and not isinstance(value, (list, dict)) and value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str):
        return _text(field, value)
    if isinstance(value, int) and not isinstance(field, (models.ForeignKey, models.AutoField)):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return str(value)


def _text(field: Any, value: str) -> str:
    if isinstance(field, models.DateTimeField) or (field is None and "T" in value[:11]):
        moment = parse_datetime(value) if len(value) > 10 else None
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, dt.UTC)
            return date_format(timezone.localtime(moment), "d M Y, H:i")
    if isinstance(field, models.DateField) or (field is None and len(value) == 10):
        day = _date(value)
        if day is not None:
            return date_format(day, "d M Y")
    if _HEX_DIGEST_RE.match(value):
        return value[:12] + "…"
    return value


def _date(value: str) -> dt.date | None:
    try:
        return parse_date(value)
    except ValueError:
        return None
