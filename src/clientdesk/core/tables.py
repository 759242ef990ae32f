from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html, format_html_join

from .models import AuditEvent


def badge(tone: str, label: str) -> Any:
    """A status pill (``.badge-<tone>``) for a table cell."""
    return format_html('<span class="badge badge-{}">{}</span>', tone, label)


def _model(object_type: str) -> Any:
    try:
        return apps.get_model(object_type) if "." in object_type else None
    except LookupError:
        return None


def _label_and_display(model: Any, name: str) -> tuple[str, Any]:
    """A field's human label and a function showing a stored value as its choice label."""
    try:
        field = model._meta.get_field(name) if model else None
    except FieldDoesNotExist:
        field = None
    if field is None:
        return name.replace("_", " ").capitalize(), str
    choices = dict(getattr(field, "flatchoices", None) or [])
    return str(getattr(field, "verbose_name", name)).capitalize(), (
        lambda v: str(choices.get(v, v))
    )


def render_changes(changes: dict[str, Any], object_type: str = "") -> Any:
    """An audit record's changes as "Label: old → new" lines, with choice labels."""
    model = _model(object_type)
    rows = []
    for name, change in changes.items():
        label, show = _label_and_display(model, name)
        if isinstance(change, dict) and "new" in change:
            old, new = change.get("old"), change.get("new")
            text = f"{show(old) if old not in (None, '') else '∅'} → "
            text += show(new) if new not in (None, "") else "∅"
            rows.append((label, text))
        else:
            rows.append((label, str(change)))
    return format_html_join("", '<div><span class="muted">{}</span> {}</div>', rows)


class AuditEventTable(tables.Table):
    seq = tables.Column(verbose_name="#", order_by=("seq",))
    created_at = tables.DateTimeColumn(
        verbose_name="When", format="d M Y, H:i:s", order_by=("seq",)
    )
    actor_label = tables.Column(verbose_name="Who", orderable=False)
    action = tables.Column(orderable=False)
    target = tables.Column(empty_values=(), verbose_name="Record", orderable=False)
    changes = tables.Column(orderable=False)
    origin = tables.Column(empty_values=(), verbose_name="From", orderable=False)

    class Meta:
        model = AuditEvent
        fields = ("seq", "created_at", "actor_label", "action", "target", "changes", "origin")
        order_by_field = "sort"
        empty_text = "No audit records match these filters."
        attrs = {"class": "table"}

    def render_action(self, record: AuditEvent) -> str:
        return record.get_action_display()

    def render_target(self, record: AuditEvent) -> Any:
        return format_html(
            '{}<div class="muted mono">{}:{}</div>',
            record.object_repr,
            record.object_type,
            record.object_id,
        )

    def render_changes(self, record: AuditEvent) -> Any:
        return render_changes(record.changes, record.object_type)

    def render_origin(self, record: AuditEvent) -> Any:
        return format_html(
            '{} · {}<div class="muted mono">{}</div>',
            record.source,
            record.ip_address or "—",
            record.request_id[:12],
        )
