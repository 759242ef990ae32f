"""+ Activity follows the row rule of ticket comments: a role whose edit scope is "own"
adds activities only to records it owns; a role that edits all adds them anywhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from factories import make_customer

from clientdesk.activities.models import Activity
from clientdesk.activities.services import add_manual_activity, can_add_activity
from clientdesk.leads import services as leads
from clientdesk.tickets import services as tickets
from clientdesk.tickets.models import TicketSubject

pytestmark = pytest.mark.django_db


def _lead(owner: Any, admin: Any) -> Any:
    data = {"first_name": "Noted", "mobile": "9812345670", "source": "website", "owner": owner}
    return leads.create_lead(actor=admin, data=data)


def _ticket(customer: Any, assignee: Any, actor: Any) -> Any:
    subject, _ = TicketSubject.objects.get_or_create(name="Login issue")
    data = {"customer": customer, "subject": subject, "source": "on_call", "assignees": [assignee]}
    return tickets.create_ticket(actor=actor, data=data)


def test_customer_notes(
    client_for: Any, admin_user: Any, sales_user: Any, sales_user2: Any, manager: Any
) -> None:
    mine = make_customer(actor=admin_user, assigned_to=sales_user)
    theirs = make_customer(actor=admin_user, assigned_to=sales_user2)
    client = client_for(sales_user)
    form = {"kind": "note", "body": "Called about the nominee."}
    assert client.post(reverse("customers:add_activity", args=[mine.pk]), form).status_code == 302
    response = client.post(reverse("customers:add_activity", args=[theirs.pk]), form)
    assert response.status_code == 403
    assert Activity.objects.filter(customer=theirs, kind="note").count() == 0
    # The form is offered only where it would be accepted.
    tab = reverse("customers:tab", args=[theirs.pk, "activities"])
    assert 'name="body"' not in client.get(tab).content.decode()
    assert 'name="body"' in client_for(manager).get(tab).content.decode()
    add_manual_activity(theirs, actor=manager, kind="note", body="A manager notes anywhere.")


def test_lead_notes(admin_user: Any, sales_user: Any, sales_user2: Any) -> None:
    lead = _lead(sales_user, admin_user)
    add_manual_activity(None, actor=sales_user, kind="call", body="No answer", subject=lead)
    with pytest.raises(PermissionDenied):
        add_manual_activity(None, actor=sales_user2, kind="call", body="Hi", subject=lead)


def test_ticket_notes_like_ticket_comments(
    admin_user: Any, support_user: Any, user_factory: Any, manager: Any
) -> None:
    other = user_factory("support", username="support9")
    customer = make_customer(actor=admin_user)
    ticket = _ticket(customer, support_user, manager)
    assert can_add_activity(support_user, ticket) is tickets.can_edit(support_user, ticket) is True
    assert can_add_activity(other, ticket) is tickets.can_edit(other, ticket) is False
    with pytest.raises(PermissionDenied):
        add_manual_activity(customer, actor=other, kind="note", body="x", subject=ticket)
    add_manual_activity(customer, actor=support_user, kind="note", body="ok", subject=ticket)
    # Its assignee may also note on the ticket's customer (the contact rule of messages).
    assert can_add_activity(support_user, customer) and not can_add_activity(other, customer)
