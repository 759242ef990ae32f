"""Automatic assignment: least-recently-assigned active Support user first, fair over time,
safe when two tickets are opened at the same moment."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from clientdesk.tickets import services
from clientdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def assignee(ticket: Ticket) -> str:
    return ticket.assignees.get().username


def test_rotation_is_fair_and_in_order(
    customer: Any,
    support_user: Any,
    support2: Any,
    support3: Any,
    make_ticket: Callable[..., Ticket],
) -> None:
    order = [assignee(make_ticket(customer)) for _ in range(9)]
    assert order[:3] == ["support1", "support2", "support3"]  # never assigned: by id
    assert order[3:6] == order[:3] and order[6:] == order[:3]
    assert Counter(order) == {"support1": 3, "support2": 3, "support3": 3}


def test_inactive_and_other_roles_are_skipped(
    customer: Any,
    support_user: Any,
    support2: Any,
    manager: Any,
    sales_user: Any,
    make_ticket: Callable[..., Ticket],
) -> None:
    support2.is_active = False
    support2.save()
    order = {assignee(make_ticket(customer)) for _ in range(3)}
    assert order == {"support1"}


def test_newcomer_goes_first(
    customer: Any,
    support_user: Any,
    support2: Any,
    user_factory: Callable[..., Any],
    make_ticket: Callable[..., Ticket],
) -> None:
    make_ticket(customer)
    make_ticket(customer)
    user_factory("support", username="support9")
    assert assignee(make_ticket(customer)) == "support9"


def test_manual_assignment_moves_to_the_back(
    customer: Any,
    support_user: Any,
    support2: Any,
    manager: Any,
    make_ticket: Callable[..., Ticket],
) -> None:
    make_ticket(customer, assignees=[support_user])  # support1 just received one by hand
    assert assignee(make_ticket(customer)) == "support2"
    assert assignee(make_ticket(customer)) == "support1"


def test_no_support_users_leaves_ticket_unassigned(
    customer: Any, manager: Any, make_ticket: Callable[..., Ticket]
) -> None:
    ticket = make_ticket(customer)
    assert not ticket.assignees.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="row-lock concurrency is exercised on PostgreSQL",
)
def test_concurrent_creations_pick_different_users(
    roles: Any, user_factory: Callable[..., Any], admin_user: Any
) -> None:
    from factories import make_customer

    from .conftest import ticket_data

    users = [user_factory("support", username=f"rr{i}") for i in range(4)]
    customer = make_customer(actor=admin_user)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            services.create_ticket(actor=admin_user, data=ticket_data(customer))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    picked = [assignee(t) for t in Ticket.objects.all()]
    assert sorted(picked) == sorted(u.username for u in users)
