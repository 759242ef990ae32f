from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html

from .models import Lead


def status_badge(lead: Lead) -> Any:
    return format_html(
        '<span class="badge badge-{}">{}</span>', lead.tone, lead.get_status_display()
    )


class LeadTable(tables.Table):
    ids = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "input": {"form": "bulk-form", "aria-label": "Select lead", "data-bulk-item": ""},
            "th__input": {"aria-label": "Select all on this page", "data-bulk-all": ""},
        },
    )
    name = tables.Column(
        accessor="search_name",
        verbose_name="Name",
        order_by=("search_name", "id"),
        linkify=("leads:detail", {"pk": tables.A("pk")}),
    )
    mobile = tables.Column(order_by=("mobile",))  # unique
    status = tables.Column(order_by=("status", "-created_at", "-id"))
    source = tables.Column(verbose_name="Source", order_by=("source", "-created_at", "-id"))
    category = tables.Column(
        verbose_name="Category", order_by=("category", "-created_at", "-id"), empty_values=()
    )
    owner = tables.Column(
        verbose_name="Assigned user",
        order_by=("owner__first_name", "owner__username", "id"),
        empty_values=(),
    )
    created = tables.DateTimeColumn(
        accessor="created_at", verbose_name="Created", order_by=("created_at", "id"), format="d M Y"
    )
    last_activity = tables.DateTimeColumn(
        accessor="last_activity_at",
        verbose_name="Last activity",
        order_by=("last_activity_at", "id"),
        format="d M Y",
    )

    class Meta:
        model = Lead
        fields = (
            "ids",
            "name",
            "mobile",
            "status",
            "source",
            "category",
            "owner",
            "created",
            "last_activity",
        )
        order_by_field = "sort"
        empty_text = "No leads match these filters. Add a lead, or clear the filters."

    def render_name(self, record: Lead) -> Any:
        if record.customer_id:
            return format_html(
                '{} <span class="badge badge-plain badge-green">Customer</span>', record.full_name
            )
        return record.full_name

    def render_status(self, record: Lead) -> Any:
        return status_badge(record)

    def render_source(self, record: Lead) -> str:
        return record.get_source_display()

    def render_category(self, record: Lead) -> str:
        return record.get_category_display() or "—"

    def render_owner(self, record: Lead) -> str:
        return record.owner.display_name if record.owner else "Unassigned"
