"""The dashboard's "waiting for work" cards: per role, counted right, bounded, links work."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import make_customer

from clientdesk.core import dashboard
from clientdesk.leads.services import create_lead

pytestmark = pytest.mark.django_db


def _cards(client: Any) -> dict[str, int]:
    response = client.get("/")
    assert response.status_code == 200
    return {shown.card.slug: shown.value for shown in response.context["cards"]}


def test_each_role_sees_the_cards_of_its_modules(client_for: Any, users_by_role: Any) -> None:
    sales = _cards(client_for(users_by_role["sales"]))
    assert {"tasks_due", "tickets_open", "leads_new", "messages_failed"} <= set(sales)
    assert not {"kyc_queue", "screening_open", "alerts_open"} & set(sales)
    compliance = _cards(client_for(users_by_role["compliance"]))
    assert {"kyc_queue", "screening_open", "alerts_open"} <= set(compliance)


def _leads(actor: Any, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        create_lead(
            actor=actor,
            data={"first_name": f"Prospect{i}", "mobile": f"98123{i:05d}", "source": "website"},
        )


def test_cards_count_the_work_and_link_to_it(
    client_for: Any, manager: Any, admin_user: Any
) -> None:
    _leads(admin_user, 3)
    client = client_for(manager)
    assert _cards(client)["leads_new"] == 3
    html = client.get("/").content.decode()
    assert 'href="/leads/?status=new"' in html
    listed = client.get("/leads/?status=new").content.decode()
    assert "Prospect0" in listed and "Prospect2" in listed


def test_counts_stop_at_the_cap(
    monkeypatch: Any, client_for: Any, manager: Any, admin_user: Any
) -> None:
    monkeypatch.setattr(dashboard, "CAP", 2)
    _leads(admin_user, 4, start=10)
    response = client_for(manager).get("/")
    shown = next(s for s in response.context["cards"] if s.card.slug == "leads_new")
    assert shown.value == 3 and shown.label == "2+"


def test_the_dashboard_does_not_query_per_row(
    client_for: Any, compliance: Any, admin_user: Any
) -> None:
    client = client_for(compliance)
    client.get("/")
    with CaptureQueriesContext(connection) as before:
        client.get("/")
    for _ in range(5):
        make_customer(actor=admin_user)
    with CaptureQueriesContext(connection) as after:
        client.get("/")
    assert len(before) == len(after)
