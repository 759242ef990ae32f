"""Pinned query counts of the transactions pages (design rule 8): no page grows with the
rows it shows, and each page's count is pinned.

Each page is measured after one warm-up request. The customer-profile tabs are pinned as the
queries they add to the profile's Overview (the profile's own queries, and other modules'
tab counts, are pinned by tests/customers/test_query_counts.py). When a number here
changes, check the new queries in the failure output for an N+1 before updating the pin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clientdesk.transactions.intake import intake_transactions
from clientdesk.transactions.models import Alert, Device

from .conftest import active, tx_row

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

# Queries a tab adds to the Overview of the same customer (which has: status history).
TAB_PINS = {
    # + the page's rows, the summary, merchant / device / currency (accounts) choices
    #   - status history
    "transactions": 4,
    "transactions_filtered": 4,
    # + summary, over time, by currency, top merchants, device usage (2) - status history
    "analytics": 5,
    "devices": 0,  # + the customer's devices - status history
}
# Whole pages: session, user, role access, role, badges (tasks due, unread notifications).
PAGE_PINS = {
    "accounts_panel": 7,  # session, user, access, customer, its accounts, badges (2)
    "customer_export": 10,  # ... + customer, audit record (5), the streamed rows
    "list": 7,  # ... + the page of transactions
    "export": 9,  # ... + audit record (5), the streamed rows
    "alerts": 9,  # ... + the page of alerts, rule and assignee filter choices
    "alerts_export": 9,
    "alert": 10,  # ... + alert, evidence, notes, monitoring staff
    "rules": 7,  # ... + the rules with their alert counts
    "rule_edit": 7,  # ... + the rule
}


def fetch(client: Any, url: str, **extra: Any) -> Any:
    response = client.get(url, **extra)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return response


def queries_for(client: Any, url: str, **extra: Any) -> int:
    fetch(client, url, **extra)  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        fetch(client, url, **extra)
    return len(ctx.captured_queries)


class Activity:
    """Grows one customer's history: transactions over merchants, devices and currencies,
    and alerts from an amount rule."""

    def __init__(self, actor: Any, customer: Any) -> None:
        self.actor, self.customer, self.n = actor, customer, 0

    def add(self, count: int) -> None:
        rows = []
        for _ in range(count):
            i = self.n = self.n + 1
            rows.append(
                tx_row(
                    self.customer,
                    transaction_id=f"Q-{self.customer.pk}-{i}",
                    type="payment" if i % 3 else "deposit",
                    amount="900" if i % 7 else "9000",  # every 7th fires the rule
                    currency="USD" if i % 10 == 0 else "INR",
                    status="failed" if i % 9 == 0 else "successful",
                    merchant={"id": f"M{i % 6}", "name": f"Shop {i % 6}"},
                    device={"id": f"D{i % 4}", "type": "mobile"},
                    occurred_at=(timezone.now() - dt.timedelta(hours=i)).isoformat(),
                )
            )
        deposit = tx_row(self.customer, transaction_id=f"Q-{self.customer.pk}-dep-{self.n}",
                         amount="900000", occurred_at=(timezone.now() - dt.timedelta(
                             days=60, minutes=self.n)).isoformat())  # fmt: skip
        result = intake_transactions([deposit, *rows], actor=self.actor)
        assert not result.errors, result.errors


@pytest.fixture
def world(admin_user: Any, make_rule: Callable[..., Any]) -> Callable[[int], Any]:
    """``world(n)``: customers with ``n`` transactions each (quiet and busy alike)."""
    make_rule("amount_threshold", amount="5000")
    make_rule("velocity", count="50", minutes="60")
    customer = active(admin_user)
    activity = Activity(admin_user, customer)

    def grow(total: int) -> Any:
        activity.add(total - activity.n)
        return customer

    return grow


@pytest.fixture
def web(client_for: Any, admin_user: Any) -> Any:
    return client_for(admin_user)


def tab_queries(client: Any, customer: Any, slug: str, query: str = "") -> int:
    overview = queries_for(client, f"/customers/{customer.pk}/")
    return queries_for(client, f"/customers/{customer.pk}/{slug}/{query}") - overview


TABS = {
    "transactions": ("transactions", ""),
    "transactions_filtered": (
        "transactions",
        "?status=successful&type=payment&currency=INR&amount_min=1&sort=-amount",
    ),
    "analytics": ("analytics", "?bucket=week"),
    "devices": ("devices", ""),
}


def test_profile_tabs_do_not_grow(web: Any, world: Callable[[int], Any]) -> None:
    customer = world(12)
    small = {name: tab_queries(web, customer, *spec) for name, spec in TABS.items()}
    world(140)
    large = {name: tab_queries(web, customer, *spec) for name, spec in TABS.items()}
    assert large == small
    assert large == TAB_PINS


def page_urls(customer: Any) -> dict[str, tuple[str, dict[str, str]]]:
    alert = Alert.objects.filter(customer=customer).order_by("pk").first()
    assert alert is not None
    rule_id = alert.rule_id
    return {
        "accounts_panel": (f"/transactions/customer/{customer.pk}/accounts/", HTMX),
        "customer_export": (f"/transactions/customer/{customer.pk}/export/?type=payment", {}),
        "list": ("/transactions/list/?sort=-amount", {}),
        "export": ("/transactions/list/?export=csv", {}),
        "alerts": ("/transactions/alerts/?open=true&sort=-severity", {}),
        "alerts_export": ("/transactions/alerts/?open=true&export=csv", {}),
        "alert": (f"/transactions/alerts/{alert.pk}/", {}),
        "rules": ("/transactions/alerts/rules/", {}),
        "rule_edit": (f"/transactions/alerts/rules/{rule_id}/edit/", {}),
    }


def test_pages_do_not_grow(
    web: Any, world: Callable[[int], Any], django_assert_num_queries: Any
) -> None:
    customer = world(15)
    small = {name: queries_for(web, url, **x) for name, (url, x) in page_urls(customer).items()}
    world(120)
    large = {name: queries_for(web, url, **x) for name, (url, x) in page_urls(customer).items()}
    assert large == small
    assert large == PAGE_PINS
    url, extra = page_urls(customer)["alert"]
    with django_assert_num_queries(PAGE_PINS["alert"]):
        fetch(web, url, **extra)


def test_alert_page_does_not_grow_with_evidence_or_notes(
    web: Any, compliance: Any, admin_user: Any, client_for: Any, world: Callable[[int], Any]
) -> None:
    from clientdesk.transactions import services

    customer = world(20)
    alert = Alert.objects.filter(customer=customer).order_by("pk").first()
    assert alert is not None
    url = f"/transactions/alerts/{alert.pk}/"
    before = queries_for(web, url)
    services.assign_alert(alert, compliance, actor=admin_user)
    for i in range(5):
        services.add_alert_note(alert, actor=compliance, body=f"Checked {i}")
    services.transition_alert(alert, "under_review", actor=compliance)
    alert.transactions.add(*customer.transactions.values_list("pk", flat=True)[:30])
    assert queries_for(web, url) == before
    Device.objects.update(status="blocked")
    assert queries_for(web, f"/customers/{customer.pk}/devices/") == queries_for(
        web, f"/customers/{customer.pk}/devices/"
    )
