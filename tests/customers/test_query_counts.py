"""Pinned query counts (design rule 8): no page or endpoint grows with the rows it shows.

Each page is measured after one warm-up request, so per-process caches (content types and
the like) do not make the count depend on test order. When a number here changes, check the
new queries in the failure output for an N+1 before updating the pin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import make_customer, move_to, profile_tab_counts

from clientdesk.activities.services import add_manual_activity
from clientdesk.customers import services
from clientdesk.customers.models import Customer, Status

pytestmark = pytest.mark.django_db

# Every page: session, user, role access, the user's role (sensitive/edit-scope flags) and the
# navigation badges (overdue tasks, unread notifications). Profile pages add one count per
# visible tab that shows a count (factories.profile_tab_counts), added in the test.
PINNED = {
    "list": 8,  # ... + the page of customers, role, assigned-user filter choices
    "export": 9,  # session, user, access + audit record (savepoint, head, insert, head,
    #               release) + the streamed customers
    "overview": 8,  # ... + customer, status history (+ tab counts)
    "activities": 9,  # ... + customer, activity count and page (+ tab counts)
    "history": 9,  # ... + customer, audit count and page (+ tab counts)
    # + the page's transaction totals (transactions.CustomerTotals), one query
    "api_list": 4,  # token + user, role access, one page of customers, their totals
    "api_detail": 4,  # token + user, role access, the customer, its totals
}


def fetch(client: Any, url: str) -> Any:
    response = client.get(url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return response


def queries_for(client: Any, url: str) -> int:
    fetch(client, url)  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        fetch(client, url)
    return len(ctx.captured_queries)


@pytest.fixture
def grow(admin_user: Any, sales_user: Any) -> Callable[[int], list[Customer]]:
    """``grow(n)``: make the registry hold ``n`` customers, with varied relations."""
    made: list[Customer] = []

    def ensure(total: int) -> list[Customer]:
        while len(made) < total:
            i = len(made)
            customer = make_customer(
                actor=admin_user, assigned_to=sales_user if i % 2 else admin_user
            )
            if i % 3 == 0:
                move_to(customer, Status.ACTIVE, actor=admin_user)
            made.append(customer)
        return made

    return ensure


@pytest.fixture
def web(client_for: Any, compliance: Any) -> Any:
    return client_for(compliance)


@pytest.fixture
def api(api_client_for: Any, compliance: Any) -> Any:
    return api_client_for(compliance, token=True)  # a fresh user per request, as in production


def test_lists_do_not_grow_with_rows(
    web: Any, api: Any, grow: Callable[[int], list[Customer]], django_assert_num_queries: Any
) -> None:
    """List page, CSV export and API list: the same count for 10 and for 60 customers."""
    pages = {
        "list": (web, "/customers/"),
        "list_filtered": (web, "/customers/?sort=-last_activity&status=active&q=test"),
        "export": (web, "/customers/?export=csv"),
        "api_list": (api, "/api/v1/customers/"),
        "api_list_all": (api, "/api/v1/customers/?page_size=500&sort=-created"),
    }
    grow(10)
    small = {name: queries_for(client, url) for name, (client, url) in pages.items()}
    grow(60)
    large = {name: queries_for(client, url) for name, (client, url) in pages.items()}
    assert large == small
    for name in ("list", "export", "api_list"):
        client, url = pages[name]
        with django_assert_num_queries(PINNED[name]):
            fetch(client, url)
    assert small["list_filtered"] == small["list"]
    assert small["api_list_all"] == small["api_list"]

    first = fetch(api, "/api/v1/customers/?page_size=20").json()
    assert queries_for(api, first["next"]) == PINNED["api_list"]


def _busy_customer(admin_user: Any, users: list[Any], rounds: int) -> Customer:
    """A customer with ``rounds`` status changes, edits and activities by different users."""
    customer = make_customer(actor=admin_user)
    for i in range(rounds):
        actor = users[i % len(users)]
        target = Status.ACTIVE if customer.status != Status.ACTIVE else Status.SUSPENDED
        customer = services.change_status(customer, actor=actor, to_status=target, reason=f"r{i}")
        services.update_customer(customer, actor=actor, data={"city": f"City {i}"})
        add_manual_activity(customer, actor=actor, kind="note", body=f"Note {i}")
    return customer


@pytest.mark.parametrize("tab", ["overview", "activities", "history"])
def test_profile_tabs_do_not_grow(
    web: Any,
    admin_user: Any,
    manager: Any,
    compliance: Any,
    tab: str,
    django_assert_num_queries: Any,
) -> None:
    users = [admin_user, manager, compliance]
    quiet = _busy_customer(admin_user, users, rounds=1)
    busy = _busy_customer(admin_user, users, rounds=6)

    def url(customer: Customer) -> str:
        return f"/customers/{customer.pk}/" + ("" if tab == "overview" else f"{tab}/")

    assert queries_for(web, url(quiet)) == queries_for(web, url(busy))
    with django_assert_num_queries(PINNED[tab] + profile_tab_counts(compliance)):
        fetch(web, url(busy))


def test_api_detail(
    api: Any, grow: Callable[[int], list[Customer]], django_assert_num_queries: Any
) -> None:
    customer = grow(3)[1]
    url = f"/api/v1/customers/{customer.pk}/"
    fetch(api, url)
    with django_assert_num_queries(PINNED["api_detail"]):
        fetch(api, url)
