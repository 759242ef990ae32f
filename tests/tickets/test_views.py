"""Ticket pages: list (filters, export, bulk close), detail, create (also from the customer
profile), edit, status, assign, comment, upload, settings, reports, the customer's Tickets
tab and universal search; query counts pinned for the list and the detail page."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clientdesk.core.search import registry
from clientdesk.notifications.models import Notification
from clientdesk.tickets import services
from clientdesk.tickets.models import Status, Ticket, TicketComment, TicketSubject

from .conftest import START

pytestmark = pytest.mark.django_db

# Queries on the ticket domain's own tables (tickets_*, activities_*, customers_*), pinned
# exactly. The rest of a page's queries (session, user, module access, sidebar badges) belong
# to the layout, which other modules extend; for those the test only demands that their
# number does not grow with the rows shown.
# List: one page of tickets with customer and subject (no COUNT), their assignees, the
# subject filter's options.
LIST_QUERIES = 3
# Detail: ticket+customer+subject, assignees, comments, attachments, survey, timeline count
# and page.
DETAIL_QUERIES = 7
DOMAIN_TABLES = ('"tickets_', '"activities_', '"customers_')


def queries(client: Any, url: str) -> tuple[int, int, Any]:
    """(all queries, domain queries, response) for one GET."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    domain = [q for q in ctx.captured_queries if any(t in q["sql"] for t in DOMAIN_TABLES)]
    return len(ctx), len(domain), response


# --- list ----------------------------------------------------------------------------------


def test_list_page_filters_and_query_count(
    client_for: Callable[[Any], Any],
    manager: Any,
    support_user: Any,
    support2: Any,
    customer: Any,
    other_customer: Any,
    make_ticket: Callable[..., Ticket],
) -> None:
    client = client_for(manager)
    for _ in range(3):
        make_ticket(customer, assignees=[support_user, support2])
    few, few_domain, _ = queries(client, "/tickets/")
    for _ in range(12):
        make_ticket(other_customer, priority="urgent")
    many, many_domain, response = queries(client, "/tickets/")
    assert few == many, "the list must not query per row"
    assert few_domain == many_domain == LIST_QUERIES
    html = response.content.decode()
    assert "Ravi Shah" in html and "Urgent" in html and 'name="ticket"' in html
    filtered = client.get("/tickets/?priority=urgent&status=new&sla_status=first_response_due")
    assert len(filtered.context["table"].rows) == 12
    partial = client.get("/tickets/?q=Ravi", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and b"<html" not in partial.content


def test_list_csv_export(
    client_for: Callable[[Any], Any],
    manager: Any,
    customer: Any,
    make_ticket: Callable[..., Ticket],
) -> None:
    ticket = make_ticket(customer)
    response = client_for(manager).get("/tickets/?export=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Number" and rows[1][0] == ticket.number
    assert rows[1][7] == "First Response Due"


def test_list_bad_filter_shows_errors_not_500(
    client_for: Callable[[Any], Any], manager: Any
) -> None:
    response = client_for(manager).get("/tickets/?created_after=yesterday&priority=nope")
    assert response.status_code == 200
    assert response.context["filterset"].errors


def test_bulk_close_from_the_list(
    client_for: Callable[[Any], Any],
    manager: Any,
    customer: Any,
    make_ticket: Callable[..., Ticket],
) -> None:
    tickets = [make_ticket(customer) for _ in range(3)]
    client = client_for(manager)
    response = client.post(
        "/tickets/bulk-close/",
        {
            "ticket": [tickets[0].pk, tickets[1].pk],
            "reason": "Batch resolved",
            "next": "/tickets/?status=new",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/tickets/?status=new"
    assert "Closed 2" in response.content.decode()
    statuses = [Ticket.objects.get(pk=t.pk).status for t in tickets]
    assert statuses == [Status.CLOSED, Status.CLOSED, Status.NEW]
    no_reason = client.post("/tickets/bulk-close/", {"ticket": [tickets[2].pk]}, follow=True)
    assert "Give a reason" in no_reason.content.decode()
    nothing = client.post("/tickets/bulk-close/", {"reason": "x"}, follow=True)
    assert "Select the tickets" in nothing.content.decode()
    evil = client.post(
        "/tickets/bulk-close/", {"ticket": [tickets[2].pk], "reason": "x", "next": "//evil.example"}
    )
    assert evil["Location"] == "/tickets/"


@pytest.mark.parametrize("role", ["sales", "compliance"])
def test_readers_see_list_but_cannot_bulk_close(
    role: str, users_by_role: dict[str, Any], client_for: Callable[[Any], Any], ticket: Ticket
) -> None:
    client = client_for(users_by_role[role])
    page = client.get("/tickets/")
    assert page.status_code == 200 and b"Close selected" not in page.content
    assert (
        client.post("/tickets/bulk-close/", {"ticket": [ticket.pk], "reason": "x"}).status_code
        == 403
    )


def test_no_ticket_access_is_403(
    user_factory: Callable[..., Any], client_for: Callable[[Any], Any], ticket: Ticket
) -> None:
    client = client_for(user_factory(None, username="norole"))
    for url in ("/tickets/", f"/tickets/{ticket.pk}/", "/tickets/new/", "/tickets/reports/"):
        assert client.get(url).status_code == 403, url


# --- detail --------------------------------------------------------------------------------


def test_detail_page_and_query_count(
    client_for: Callable[[Any], Any],
    manager: Any,
    support_user: Any,
    support2: Any,
    ticket: Ticket,
) -> None:
    client = client_for(manager)
    url = f"/tickets/{ticket.pk}/"
    services.add_comment(ticket, actor=manager, body="First look")
    services.add_attachment(
        ticket, actor=manager, upload=SimpleUploadedFile("a.txt", b"hello", "text/plain")
    )
    few, few_domain, _ = queries(client, url)
    services.assign(ticket, actor=manager, assignees=[support_user, support2, manager])
    for i in range(6):
        services.add_comment(ticket, actor=support_user, body=f"Update {i} @manager1")
        services.add_attachment(
            ticket, actor=manager, upload=SimpleUploadedFile(f"f{i}.txt", b"x", "text/plain")
        )
    services.change_status(ticket, actor=manager, to_status=Status.IN_PROGRESS)
    many, many_domain, response = queries(client, url)
    assert few == many, "the detail page must not query per item"
    assert few_domain == many_domain == DETAIL_QUERIES
    html = response.content.decode()
    assert ticket.number in html and "Update 5 @manager1" in html and "f5.txt" in html
    assert 'data-testid="sla-panel"' in html and "Change status" in html
    assert f"/tickets/{ticket.pk}/attachments/" in html


def test_detail_for_reader_has_no_write_controls(
    client_for: Callable[[Any], Any], sales_user: Any, ticket: Ticket
) -> None:
    html = client_for(sales_user).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Change status" not in html and "Add comment" not in html and "Reassign" not in html


def test_detail_shows_sla_warning(
    clock: Any, client_for: Callable[[Any], Any], manager: Any, ticket: Ticket
) -> None:
    client = client_for(manager)
    assert b'data-testid="sla-warning"' not in client.get(f"/tickets/{ticket.pk}/").content
    clock.advance(minutes=200)  # 40 of 240 minutes left: within 20%
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'data-testid="sla-warning"' in html and "SLA at risk" in html
    clock.advance(minutes=60)
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "SLA breached" in html and ">Failed<" in html


def test_unknown_ticket_404(client_for: Callable[[Any], Any], manager: Any) -> None:
    assert client_for(manager).get("/tickets/999999/").status_code == 404


# --- create and edit -----------------------------------------------------------------------


def test_create_from_the_customer_profile(
    client_for: Callable[[Any], Any], support_user: Any, customer: Any
) -> None:
    client = client_for(support_user)
    page = client.get(f"/tickets/new/?customer={customer.pk}")
    assert page.status_code == 200
    assert page.context["form"].initial["customer"] == customer.client_id
    assert customer.full_name in page.content.decode()
    subject = TicketSubject.objects.get(name="KYC / documents")
    response = client.post(
        "/tickets/new/",
        {
            "customer": customer.client_id,
            "subject": subject.pk,
            "source": "office_visit",
            "priority": "high",
            "description": "Brought address proof",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert ticket.customer == customer and ticket.priority == "high"
    assert list(ticket.assignees.all()) == [support_user]  # the only Support user


def test_create_by_mobile_and_errors_keep_input(
    client_for: Callable[[Any], Any], manager: Any, customer: Any
) -> None:
    client = client_for(manager)
    bad = client.post(
        "/tickets/new/", {"customer": "CD-NOPE", "source": "", "description": "typed"}
    )
    assert bad.status_code == 400
    errors = bad.context["form"].errors
    assert {"customer", "subject", "source"} <= set(errors)
    assert b"typed" in bad.content
    ok = client.post(
        "/tickets/new/",
        {
            "customer": "98765 43210",
            "subject": TicketSubject.objects.get(name="Other").pk,
            "source": "email",
            "priority": "low",
        },
    )
    assert ok.status_code == 302 and Ticket.objects.get().customer == customer


def test_sales_cannot_open_the_form(client_for: Callable[[Any], Any], sales_user: Any) -> None:
    assert client_for(sales_user).get("/tickets/new/").status_code == 403


def test_edit_page(client_for: Callable[[Any], Any], support_user: Any, ticket: Ticket) -> None:
    client = client_for(support_user)
    assert client.get(f"/tickets/{ticket.pk}/edit/").status_code == 200
    response = client.post(
        f"/tickets/{ticket.pk}/edit/",
        {"subject": ticket.subject_id, "source": "app", "priority": "urgent", "description": "x"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.source, ticket.priority) == ("app", "urgent")


def test_edit_refused_to_unassigned_support(
    client_for: Callable[[Any], Any], support2: Any, ticket: Ticket
) -> None:
    client = client_for(support2)
    assert client.get(f"/tickets/{ticket.pk}/edit/").status_code == 403
    assert client.post(f"/tickets/{ticket.pk}/status/", {"status": "open"}).status_code == 403
    assert client.post(f"/tickets/{ticket.pk}/comments/", {"body": "x"}).status_code == 403


# --- actions on the detail page -----------------------------------------------------------


def test_status_comment_assign_upload_actions(
    client_for: Callable[[Any], Any], support_user: Any, support2: Any, manager: Any, ticket: Ticket
) -> None:
    client = client_for(support_user)
    url = f"/tickets/{ticket.pk}/"
    done = client.post(url + "status/", {"status": "in_progress", "note": ""}, follow=True)
    assert "Status changed to In Progress" in done.content.decode()
    refused = client.post(url + "status/", {"status": "closed"}, follow=True)
    assert "Give a reason for closing" in refused.content.decode()
    comment = client.post(url + "comments/", {"body": "Ping @manager1"})
    assert comment.status_code == 302 and "#comment-" in comment["Location"]
    assert TicketComment.objects.count() == 1
    assert Notification.objects.filter(recipient=manager, kind="mention").exists()
    upload = SimpleUploadedFile("evil.pdf", b"<html>", content_type="application/pdf")
    bad = client.post(url + "attachments/", {"file": upload}, follow=True)
    assert "does not match its name" in bad.content.decode()
    good = client.post(
        url + "attachments/",
        {"file": SimpleUploadedFile("notes.txt", b"ok", "text/plain")},
        follow=True,
    )
    assert "“notes.txt” attached" in good.content.decode()
    assigned = client.post(url + "assign/", {"assignees": [support2.pk]}, follow=True)
    assert "Assignees updated" in assigned.content.decode()
    assert list(ticket.assignees.all()) == [support2]


def test_activity_on_the_ticket_timeline(
    client_for: Callable[[Any], Any], support_user: Any, ticket: Ticket, customer: Any
) -> None:
    from clientdesk.activities.services import timeline

    response = client_for(support_user).post(
        f"/tickets/{ticket.pk}/activities/new/", {"kind": "call", "body": "Called about OTP"}
    )
    assert response.status_code == 302
    assert timeline(ticket).filter(kind="call").exists()
    assert timeline(customer).filter(kind="call", body="Called about OTP").exists()


# --- settings and reports ------------------------------------------------------------------


def test_settings_page_for_managers_only(
    client_for: Callable[[Any], Any], manager: Any, support_user: Any
) -> None:
    assert client_for(support_user).get("/tickets/settings/").status_code == 403
    client = client_for(manager)
    assert client.get("/tickets/settings/").status_code == 200
    client.post(
        "/tickets/settings/", {"action": "subject", "name": "Margin call", "is_active": "on"}
    )
    assert TicketSubject.objects.filter(name="Margin call", is_active=True).exists()
    dup = client.post("/tickets/settings/", {"action": "subject", "name": "margin call"})
    assert dup.status_code == 400 and "already in the list" in dup.content.decode()
    client.post(
        "/tickets/settings/",
        {
            "action": "sla",
            "priority": "urgent",
            "first_response_minutes": "15",
            "resolution_minutes": "120",
        },
    )
    from clientdesk.tickets.models import SLAPolicy

    assert SLAPolicy.objects.get(priority="urgent").first_response_minutes == 15
    bad = client.post(
        "/tickets/settings/",
        {
            "action": "sla",
            "priority": "urgent",
            "first_response_minutes": "0",
            "resolution_minutes": "1",
        },
    )
    assert bad.status_code == 400


def test_reports_page(client_for: Callable[[Any], Any], sales_user: Any, ticket: Ticket) -> None:
    response = client_for(sales_user).get("/tickets/reports/?priority=medium")
    assert response.status_code == 200
    counts = {row["value"]: row["count"] for row in response.context["by_status"]}
    assert counts["new"] == 1 and response.context["report"]["count"] == 0


# --- the customer's Tickets tab ------------------------------------------------------------


def test_customer_tab_open_first_and_count(
    clock: Any,
    client_for: Callable[[Any], Any],
    manager: Any,
    customer: Any,
    make_ticket: Callable[..., Ticket],
) -> None:
    client = client_for(manager)
    empty = client.get(f"/customers/{customer.pk}/tickets/")
    assert empty.status_code == 200 and b"No tickets yet" in empty.content
    old_open = make_ticket(customer)
    clock.advance(hours=1)
    closed = make_ticket(customer)
    services.change_status(closed, actor=manager, to_status=Status.CLOSED, note="done")
    clock.advance(hours=1)
    new_open = make_ticket(customer)
    response = client.get(f"/customers/{customer.pk}/tickets/")
    assert response.status_code == 200
    assert [t.pk for t in response.context["tickets"]] == [new_open.pk, old_open.pk, closed.pk]
    html = response.content.decode()
    assert "2 open" in html and f"/tickets/new/?customer={customer.pk}" in html
    tabs = dict((t.slug, count) for t, count in response.context["tabs"])
    assert tabs["tickets"] == 2
    # the count shows on every tab of the profile
    overview = client.get(f"/customers/{customer.pk}/")
    assert dict((t.slug, c) for t, c in overview.context["tabs"])["tickets"] == 2
    assert START  # the clock started on the fixed date
    assert (
        '<span class="count" data-testid="tab-count-tickets">2 open</span>'
        in overview.content.decode()
    )
    for ticket in (old_open, new_open):
        services.change_status(ticket, actor=manager, to_status=Status.CLOSED, note="done")
    # all closed: the tab shows no bare "0" that would read as "no tickets"
    after = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="tab-count-tickets"' not in after
    assert not re.search(r'>Tickets <span class="count">0</span>', after)


def test_customer_tab_hidden_without_ticket_access(
    client_for: Callable[[Any], Any], user_factory: Callable[..., Any], roles: Any, customer: Any
) -> None:
    from clientdesk.accounts.models import RoleModuleAccess

    RoleModuleAccess.objects.filter(role=roles["sales"], module="tickets").update(level=0)
    client = client_for(user_factory("sales", username="sales9"))
    overview = client.get(f"/customers/{customer.pk}/")
    assert "tickets" not in [t.slug for t, _ in overview.context["tabs"]]
    assert client.get(f"/customers/{customer.pk}/tickets/").status_code == 403


# --- universal search ----------------------------------------------------------------------


def test_search_by_number_and_subject(
    manager: Any,
    customer: Any,
    make_ticket: Callable[..., Ticket],
    user_factory: Callable[..., Any],
) -> None:
    ticket = make_ticket(customer)
    groups = dict(registry.search(manager, ticket.number))
    hits = groups["Tickets"]
    assert hits[0].title.startswith(ticket.number) and hits[0].matched == "Ticket number"
    assert hits[0].url == f"/tickets/{ticket.pk}/" and hits[0].badge == "New"
    short = dict(registry.search(manager, str(int(ticket.number[4:]))))
    assert short["Tickets"][0].url == f"/tickets/{ticket.pk}/"
    by_subject = dict(registry.search(manager, "login iss"))
    assert by_subject["Tickets"][0].matched == "Subject"
    assert "Tickets" not in dict(registry.search(user_factory(None, username="x"), ticket.number))


def test_search_view_groups_tickets(
    client_for: Callable[[Any], Any], manager: Any, ticket: Ticket
) -> None:
    response = client_for(manager).get(f"/search/?q={ticket.number}")
    assert response.status_code == 200 and ticket.number in response.content.decode()


def test_search_by_the_number_prefix(
    manager: Any, customer: Any, make_ticket: Callable[..., Ticket]
) -> None:
    tickets = [make_ticket(customer) for _ in range(3)]
    bare = dict(registry.search(manager, "TKT"))["Tickets"]
    assert {h.url for h in bare} == {f"/tickets/{t.pk}/" for t in tickets}
    assert all(h.matched == "Ticket number" for h in bare)
    assert dict(registry.search(manager, "tkt-"))["Tickets"]
    first = tickets[0].number  # TKT-000001-like: its first 8 characters match it
    hits = dict(registry.search(manager, first[:8].lower()))["Tickets"]
    assert f"/tickets/{tickets[0].pk}/" in {h.url for h in hits}
    assert "Tickets" not in dict(registry.search(manager, "TKT-9"))
