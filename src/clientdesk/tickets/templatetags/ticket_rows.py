"""One ticket-list row in Python: the template engine costs ~0.3 ms per row for the same HTML.

50 rows of eight cells each, with two links, three badges and the live SLA status, come to
~17 ms through ``{% url %}``, filters and variable lookups; ``format_html`` does it in ~3 ms.
"""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from clientdesk.tickets import sla
from clientdesk.tickets.models import SLA_TONES, SLAStatus, Ticket

register = template.Library()

_PLACEHOLDER = 2_147_483_647


@functools.lru_cache(maxsize=16)
def _pattern(name: str, prefix: str) -> str:
    return reverse(name, args=[_PLACEHOLDER])


def _url(name: str, pk: Any) -> str:
    """``reverse(name, args=[pk])`` for a one-argument URL, reversed once per process."""
    return _pattern(name, get_script_prefix()).replace(str(_PLACEHOLDER), str(pk))


@register.simple_tag
def ticket_row(record: Ticket) -> SafeString:
    state = SLAStatus(sla.status_of(record, timezone.now()))
    people = getattr(record, "assignee_list", None)
    if people is None:  # not prefetched into a list by the caller
        people = list(record.assignees.all())
    assignees = (
        format_html_join(", ", "{}", ((str(u),) for u in people))
        if people
        else format_html('<span class="muted">{}</span>', "Unassigned")
    )
    return format_html(
        "<tr>"
        '<td><input type="checkbox" name="ticket" value="{pk}" form="bulk-form" '
        'aria-label="Select" /></td>'
        '<td><a href="{ticket_url}"><span class="mono">{number}</span>'
        '<div class="muted text-sm">{subject}</div></a></td>'
        '<td><a href="{customer_url}">{customer}</a></td>'
        '<td><span class="badge badge-{status_tone}">{status}</span></td>'
        '<td><span class="badge badge-{priority_tone}">{priority}</span></td>'
        '<td><span class="badge badge-{sla_tone}">{sla}</span></td>'
        "<td>{assignees}</td>"
        "<td>{created}</td>"
        "</tr>",
        pk=record.pk,
        ticket_url=_url("tickets:detail", record.pk),
        number=record.number,
        subject=record.subject.name,
        customer_url=_url("customers:detail", record.customer_id),
        customer=record.customer.full_name,
        status_tone=record.status_tone,
        status=record.get_status_display(),
        priority_tone=record.priority_tone,
        priority=record.get_priority_display(),
        sla_tone=SLA_TONES[state],
        sla=state.label,
        assignees=assignees,
        created=date_format(timezone.localtime(record.created_at), "d M, H:i"),
    )
