from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html, format_html_join

from .models import AuditEvent


def render_changes(changes: dict[str, Any]) -> Any:
    rows = []
    for field, change in changes.items():
        if isinstance(change, dict) and "new" in change:
            rows.append((field, f"{change.get('old') or '∅'} → {change.get('new') or '∅'}"))
        else:
            rows.append((field, str(change)))
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

    def render_changes(self, value: dict[str, Any]) -> Any:
        return render_changes(value)

    def render_origin(self, record: AuditEvent) -> Any:
        return format_html(
            '{} · {}<div class="muted mono">{}</div>',
            record.source,
            record.ip_address or "—",
            record.request_id[:12],
        )
