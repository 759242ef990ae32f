from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from .filtersets import AuditEventFilterSet
from .models import AuditEvent
from .tables import AuditEventTable
from .views import ObjectListView


class AuditListView(ObjectListView):
    """The global audit view for Compliance and Admins."""

    module = "audit"
    model = AuditEvent
    filterset_class = AuditEventFilterSet
    table_class = AuditEventTable
    title = "Audit trail"
    export_name = "audit"

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return AuditEvent.objects.select_related("actor").order_by("-seq")

    def export_rows(self, queryset: QuerySet[AuditEvent]) -> tuple[list[str], Iterable[Any]]:
        header = [
            "seq",
            "created_at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "object",
            "changes",
            "source",
            "ip_address",
            "request_id",
            "hash",
        ]
        rows = (
            [
                e.seq,
                e.created_at.isoformat(),
                e.actor_label,
                e.action,
                e.object_type,
                e.object_id,
                e.object_repr,
                e.changes,
                e.source,
                e.ip_address or "",
                e.request_id,
                e.hash,
            ]
            for e in queryset.iterator(chunk_size=2000)
        )
        return header, rows
