"""One FilterSet for the ticket list page and ``/api/v1/tickets/``."""

from __future__ import annotations

import re
from typing import Any

import django_filters as filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from clientdesk.core.filters import DayBoundFilter, NumberFilter

from . import sla
from .models import (
    OPEN_STATUSES,
    Priority,
    SLAStatus,
    Source,
    Status,
    Ticket,
    TicketAssignment,
    TicketSubject,
)

SORTABLE = (
    ("created_at", "created"),
    ("number", "number"),
    ("status", "status"),
    ("priority", "priority"),
    ("first_response_due_at", "response_due"),
    ("resolution_due_at", "resolution_due"),
    ("updated_at", "updated"),
)
_NUMBER_RE = re.compile(r"^(?:[A-Za-z]{1,6}-?)?0*(\d{1,12})$")


def number_term(term: str) -> str | None:
    """ "TKT-000042", "tkt42", "000042" or "42" -> the number's digits, else None."""
    match = _NUMBER_RE.match(term.strip())
    return match.group(1) if match else None


def search_q(term: str) -> Q:
    """Ticket number, subject, description or the customer's name/mobile/client ID."""
    from clientdesk.customers.models import Customer
    from clientdesk.customers.search import search_q as customer_q

    from .services import new_number_for

    term = term.strip()
    query = Q(subject__name__icontains=term)
    digits = number_term(term)
    if digits is not None:
        query |= Q(number=new_number_for(int(digits)))
    if len(term) >= 3:
        query |= Q(description__icontains=term)
        query |= Q(customer__in=Customer.objects.filter(customer_q(term)).values("pk"))
    return query


def filter_tickets(queryset: QuerySet[Ticket], term: str) -> QuerySet[Ticket]:
    term = (term or "").strip()
    return queryset.filter(search_q(term)) if term else queryset


def _chips() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "chips"})


class TicketFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        method="search", label="Search", help_text="Number, subject, description or customer"
    )
    status = filters.MultipleChoiceFilter(choices=Status.choices, widget=_chips(), distinct=False)
    open = filters.BooleanFilter(method="only_open", label="Open only")
    priority = filters.MultipleChoiceFilter(
        choices=Priority.choices, widget=_chips(), distinct=False
    )
    source = filters.ChoiceFilter(choices=Source.choices, empty_label="Any source")
    subject = filters.ModelChoiceFilter(
        queryset=TicketSubject.objects.all(), empty_label="Any subject"
    )
    assignee = filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(is_active=True),
        method="assigned_to",
        label="Assignee",
        empty_label="Anyone",
    )
    sla_status = filters.ChoiceFilter(
        choices=SLAStatus.choices, method="sla", label="SLA status", empty_label="Any"
    )
    customer = NumberFilter(field_name="customer_id", label="Customer id")
    created_after = DayBoundFilter(field_name="created_at", bound="from", label="Created from")
    created_before = DayBoundFilter(field_name="created_at", bound="to", label="Created to")
    sort = filters.OrderingFilter(fields=SORTABLE, label="Sort")

    class Meta:
        model = Ticket
        fields: list[str] = []

    def search(self, queryset: QuerySet[Ticket], name: str, value: Any) -> QuerySet[Ticket]:
        return filter_tickets(queryset, value)

    def only_open(self, queryset: QuerySet[Ticket], name: str, value: Any) -> QuerySet[Ticket]:
        if value is None:
            return queryset
        return (
            queryset.filter(status__in=OPEN_STATUSES)
            if value
            else queryset.exclude(status__in=OPEN_STATUSES)
        )

    def assigned_to(self, queryset: QuerySet[Ticket], name: str, value: Any) -> QuerySet[Ticket]:
        if not value:
            return queryset
        # EXISTS, not a join: a ticket with two assignees must not appear twice.
        assigned = TicketAssignment.objects.filter(ticket=OuterRef("pk"), user=value)
        return queryset.filter(Exists(assigned))

    def sla(self, queryset: QuerySet[Ticket], name: str, value: Any) -> QuerySet[Ticket]:
        return queryset.filter(sla.status_q(value, timezone.now())) if value else queryset

    @property
    def qs(self) -> QuerySet[Ticket]:
        queryset = super().qs
        ordering = list(queryset.query.order_by) or ["-created_at"]
        if not any(o.lstrip("-") == "id" for o in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return queryset.order_by(*ordering)
