from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html

from .audit_display import AuditDisplay
from .models import AuditEvent


def badge(tone: str, label: str) -> Any:
    """A status pill (``.badge-<tone>``) for a table cell."""
    return format_html('<span class="badge badge-{}">{}</span>', tone, label)


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

    def display(self) -> AuditDisplay:
        """One resolver for the page shown: the records its rows name, in one query each."""
        if not hasattr(self, "_display"):
            page = getattr(self, "page", None)
            rows = page.object_list if page else self.rows
            self._display = AuditDisplay(row.record for row in rows)
        return self._display

    def render_target(self, record: AuditEvent) -> Any:
        return self.display().target(record)

    def render_changes(self, record: AuditEvent) -> Any:
        return self.display().changes(record)

    def render_origin(self, record: AuditEvent) -> Any:
        return format_html(
            '{} · {}<div class="muted mono">{}</div>',
            record.source,
            record.ip_address or "—",
            record.request_id[:12],
        )
