from __future__ import annotations

from typing import Any

import django_tables2 as tables

from .models import Ticket


class TicketTable(tables.Table):
    select = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th__input": {"aria-label": "Select all", "data-select-all": "ticket"},
            "td__input": {"name": "ticket", "form": "bulk-form", "aria-label": "Select"},
        },
    )
    number = tables.Column(
        verbose_name="Ticket / subject",
        order_by=("number",),
        linkify=("tickets:detail", {"pk": tables.A("pk")}),
    )
    customer = tables.Column(
        accessor="customer__search_name", verbose_name="Customer", orderable=False
    )
    status = tables.Column(order_by=("status", "-created_at", "-id"))
    priority = tables.Column(order_by=("priority", "-created_at", "-id"))
    sla = tables.Column(accessor="sla_status", verbose_name="SLA", orderable=False)
    assignees = tables.Column(empty_values=(), orderable=False)
    created = tables.DateTimeColumn(
        accessor="created_at",
        verbose_name="Created",
        order_by=("created_at", "id"),
        format="d M, H:i",
    )

    # Rows are written out by the ``ticket_row`` tag (django-tables2's per-cell rendering costs
    # tens of milliseconds per page); the header, sorting and paging stay django-tables2's.
    row_template = "tickets/_row.html"

    class Meta:
        model = Ticket
        fields = (
            "select",
            "number",
            "customer",
            "status",
            "priority",
            "sla",
            "assignees",
            "created",
        )
        order_by_field = "sort"
        empty_text = "No tickets match. Open one from a customer's profile or with “New ticket”."

    def __init__(self, data: Any, *args: Any, request: Any = None, **kwargs: Any) -> None:
        # The list view pages the table itself with a LazyPaginator; letting django-tables2
        # configure it from ``request`` here as well would run a COUNT(*) over every match.
        super().__init__(data, *args, **kwargs)
        self.request = request
