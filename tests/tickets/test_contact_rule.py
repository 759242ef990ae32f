"""A Support user may message the customer of an open ticket assigned to them."""

from __future__ import annotations

import pytest
from factories import make_customer

from clientdesk.comms.services import can_contact
from clientdesk.tickets import services

from .conftest import ticket_data

pytestmark = pytest.mark.django_db


def test_support_contacts_only_customers_of_their_open_tickets(manager, support_user, admin_user):
    mine = make_customer(actor=admin_user)
    other = make_customer(actor=admin_user)
    assert not can_contact(support_user, mine)
    ticket = services.create_ticket(actor=manager, data=ticket_data(mine, assignees=[support_user]))
    assert can_contact(support_user, mine)
    assert not can_contact(support_user, other)
    services.change_status(ticket, actor=manager, to_status="resolved", note="Fixed")
    assert not can_contact(support_user, mine)
