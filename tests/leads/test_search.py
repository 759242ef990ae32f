"""Leads in universal search (Ctrl+K): name, mobile, email; status badges; access."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from clientdesk.core.search import registry
from clientdesk.leads.models import Lead, LeadStatus

pytestmark = pytest.mark.django_db


def lead_hits(user: Any, term: str) -> list[Any]:
    return dict(registry.search(user, term)).get("Leads", [])


@pytest.fixture
def people(lead_factory: Callable[..., Lead], sales_user: Any) -> list[Lead]:
    """Leads of ``sales_user`` (Sales read their own leads)."""
    mine = {"owner": sales_user}
    return [
        lead_factory(first_name="Kavya", last_name="Menon", email="kavya@menon.example", **mine),
        lead_factory(first_name="Kabir", last_name="Shah", status=LeadStatus.SENT_TO_HO, **mine),
        lead_factory(first_name="Rohan", last_name="Kavyan", **mine),
    ]


def test_by_name_prefix_and_substring(sales_user: Any, people: list[Lead]) -> None:
    hits = lead_hits(sales_user, "kav")
    assert [h.title for h in hits] == ["Kavya Menon", "Rohan Kavyan"]  # prefix first
    assert hits[0].matched == "Name" and hits[0].url == f"/leads/{people[0].pk}/"
    assert [h.title for h in lead_hits(sales_user, "Ka")] == ["Kabir Shah", "Kavya Menon"]


def test_by_mobile_and_email(sales_user: Any, people: list[Lead]) -> None:
    mobile = people[1].mobile  # +9197........
    hits = lead_hits(sales_user, mobile[-10:-5] + " " + mobile[-5:])
    assert [h.title for h in hits] == ["Kabir Shah"]
    assert hits[0].matched == "Mobile"
    assert hits[0].badge == "Sent to HO" and hits[0].badge_tone == "orange"
    hits = lead_hits(sales_user, "menon.example")
    assert [h.title for h in hits] == ["Kavya Menon"] and hits[0].matched == "Email"


def test_badges_and_access(
    user_factory: Callable[..., Any], sales_user: Any, people: list[Lead]
) -> None:
    assert lead_hits(sales_user, "kabir")[0].badge_tone == "orange"
    assert lead_hits(sales_user, "kavya")[0].badge == "New"
    assert lead_hits(user_factory(None), "kavya") == []


def test_search_view_groups_leads(client_for: Any, sales_user: Any, people: list[Lead]) -> None:
    response = client_for(sales_user).get("/search/", {"q": "kabir"})
    html = response.content.decode()
    assert response.status_code == 200 and "Leads" in html and "Kabir Shah" in html
    assert "badge-orange" in html


def test_list_search_uses_the_same_matching(
    client_for: Any, sales_user: Any, people: list[Lead]
) -> None:
    response = client_for(sales_user).get("/leads/", {"q": "kavya"})
    shown = {row.record.pk for row in response.context["table"].paginated_rows}
    assert shown == {people[0].pk, people[2].pk}
