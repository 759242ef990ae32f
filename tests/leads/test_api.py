"""/api/v1/leads/: list and filters, create, retrieve, update, status, convert, bulk, errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from factories import SAMPLE_AADHAAR, SAMPLE_PAN
from read_scopes import set_read_scope

from clientdesk.customers.models import Customer
from clientdesk.leads.models import Lead, LeadStatus

from .conftest import lead_data

pytestmark = pytest.mark.django_db

S = LeadStatus
LIST_URL = "/api/v1/leads/"


def url(pk: int, action: str = "") -> str:
    return f"{LIST_URL}{pk}/" + (f"{action}/" if action else "")


def names(response: Any) -> set[str]:
    return {row["full_name"] for row in response.json()["results"]}


# --- list --------------------------------------------------------------------------------


def test_list_uses_the_page_filterset(
    api_client_for: Callable[..., Any],
    lead_factory: Callable[..., Lead],
    sales_user: Any,
    sales_user2: Any,
) -> None:
    a = lead_factory(owner=sales_user, first_name="Anita", source="referral")
    b = lead_factory(owner=sales_user2, first_name="Bharat", status=S.CONTACTED)
    c = lead_factory(owner=sales_user2, first_name="Chetan", email="chetan@corp.example")
    client = api_client_for(sales_user, token=True)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert names(response) == {a.full_name}  # Sales read their own leads (read scope "own")
    set_read_scope("sales", "leads", "all", sales_user)
    assert names(client.get(LIST_URL)) == {a.full_name, b.full_name, c.full_name}
    assert names(client.get(LIST_URL, {"status": S.CONTACTED})) == {b.full_name}
    assert names(client.get(LIST_URL, {"source": "referral"})) == {a.full_name}
    assert names(client.get(LIST_URL, {"owner": sales_user2.pk})) == {b.full_name, c.full_name}
    assert names(client.get(LIST_URL, {"q": "corp.example"})) == {c.full_name}
    assert names(client.get(LIST_URL, {"q": c.mobile[-6:]})) == {c.full_name}
    ordered = client.get(LIST_URL, {"sort": "-name"}).json()["results"]
    assert [row["first_name"] for row in ordered] == ["Chetan", "Bharat", "Anita"]


def test_bad_filter_is_a_400_not_a_500(api_client_for: Callable[..., Any], sales_user: Any) -> None:
    response = api_client_for(sales_user).get(LIST_URL, {"status": "bogus"})
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_list_needs_authentication_and_access(
    api_client_for: Callable[..., Any], user_factory: Callable[..., Any]
) -> None:
    assert api_client_for().get(LIST_URL).status_code in (401, 403)
    assert api_client_for(user_factory(None)).get(LIST_URL).status_code == 403


# --- create, retrieve, update ------------------------------------------------------------


def test_create_201_masked(api_client_for: Callable[..., Any], sales_user: Any) -> None:
    body = lead_data(mobile="98765 43210", pan=SAMPLE_PAN, aadhaar=SAMPLE_AADHAAR)
    response = api_client_for(sales_user).post(LIST_URL, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["mobile"] == "+919876543210"
    assert data["status"] == S.NEW and data["owner"] == sales_user.pk
    assert data["pan"] == "XXXXXX234F" and data["aadhaar"].endswith(SAMPLE_AADHAAR[-4:])
    assert SAMPLE_PAN not in response.content.decode()
    assert data["customer"] is None


def test_create_400_names_every_field(api_client_for: Callable[..., Any], sales_user: Any) -> None:
    response = api_client_for(sales_user).post(
        LIST_URL, {"first_name": "", "mobile": "123", "pan": "XX"}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"first_name", "mobile", "source", "pan"} <= set(errors)


def test_create_400_bad_choice_from_the_serializer(
    api_client_for: Callable[..., Any], sales_user: Any
) -> None:
    response = api_client_for(sales_user).post(
        LIST_URL, lead_data(source="telepathy"), format="json"
    )
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "invalid" and list(payload["errors"]) == ["source"]


def test_duplicate_400_with_link(
    api_client_for: Callable[..., Any], sales_user: Any, lead: Lead
) -> None:
    response = api_client_for(sales_user).post(
        LIST_URL, lead_data(mobile=lead.mobile), format="json"
    )
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "duplicate"
    assert f"/leads/{lead.pk}/" in payload["errors"]["mobile"][0]


def test_create_403_for_read_only_roles(
    api_client_for: Callable[..., Any], support_user: Any, compliance: Any
) -> None:
    for user in (support_user, compliance):
        response = api_client_for(user).post(LIST_URL, lead_data(), format="json")
        assert response.status_code == 403


def test_retrieve_and_partial_update(
    api_client_for: Callable[..., Any], sales_user: Any, lead: Lead
) -> None:
    client = api_client_for(sales_user)
    assert client.get(url(lead.pk)).json()["id"] == lead.pk
    response = client.patch(url(lead.pk), {"city": "Nashik", "pan": SAMPLE_PAN}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["city"] == "Nashik" and response.json()["pan"] == "XXXXXX234F"
    lead.refresh_from_db()
    assert lead.pan == SAMPLE_PAN
    response = client.patch(url(lead.pk), {"email": "bad"}, format="json")
    assert response.status_code == 400 and "email" in response.json()["errors"]


def test_update_row_rule(
    api_client_for: Callable[..., Any], sales_user2: Any, manager: Any, lead: Lead
) -> None:
    response = api_client_for(sales_user2).patch(url(lead.pk), {"city": "Goa"}, format="json")
    assert response.status_code == 404  # another's lead: not even readable (scope "own")
    set_read_scope("sales", "leads", "all", sales_user2)
    response = api_client_for(sales_user2).patch(url(lead.pk), {"city": "Goa"}, format="json")
    assert response.status_code == 403  # readable now, still not writable (edit scope "own")
    response = api_client_for(manager).patch(url(lead.pk), {"city": "Goa"}, format="json")
    assert response.status_code == 200


def test_status_cannot_be_patched(
    api_client_for: Callable[..., Any], sales_user: Any, lead: Lead
) -> None:
    client = api_client_for(sales_user)
    client.patch(url(lead.pk), {"status": S.ACCOUNT_ACTIVATED}, format="json")
    lead.refresh_from_db()
    assert lead.status == S.NEW


def test_unknown_lead_404(api_client_for: Callable[..., Any], sales_user: Any) -> None:
    assert api_client_for(sales_user).get(url(987654)).status_code == 404


# --- status and conversion ---------------------------------------------------------------


def test_status_endpoint(api_client_for: Callable[..., Any], sales_user: Any, lead: Lead) -> None:
    client = api_client_for(sales_user)
    response = client.post(url(lead.pk, "status"), {"status": S.CONTACTED, "note": "Hi"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == S.CONTACTED
    response = client.post(url(lead.pk, "status"), {"status": S.ACCOUNT_ACTIVATED})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_transition"
    assert "status" in response.json()["errors"]
    response = client.post(url(lead.pk, "status"), {"status": "nope"})
    assert response.status_code == 400


def test_status_endpoint_row_rule(
    api_client_for: Callable[..., Any], sales_user2: Any, support_user: Any, lead: Lead
) -> None:
    for user, status in ((sales_user2, 404), (support_user, 403)):  # 404: not readable
        response = api_client_for(user).post(url(lead.pk, "status"), {"status": S.CONTACTED})
        assert response.status_code == status


def test_convert_201_with_the_customer(
    api_client_for: Callable[..., Any], lead_factory: Callable[..., Lead], sales_user: Any
) -> None:
    lead = lead_factory(owner=sales_user, status=S.ACCOUNT_OPENED, pan=SAMPLE_PAN)
    client = api_client_for(sales_user)
    response = client.post(url(lead.pk, "convert"))
    assert response.status_code == 201, response.content
    data = response.json()
    customer = Customer.objects.get(pk=data["id"])
    assert data["client_id"] == customer.client_id and data["status"] == "pending"
    assert data["mobile"] == lead.mobile and data["pan"] == "XXXXXX234F"
    assert client.get(url(lead.pk)).json()["customer"] == customer.pk
    assert names(client.get(LIST_URL, {"converted": "true"})) == {lead.full_name}
    assert names(client.get(LIST_URL, {"converted": "false"})) == set()
    again = client.post(url(lead.pk, "convert"))
    assert again.status_code == 400
    assert again.json()["code"] == "already_converted"
    assert "customer" in again.json()["errors"]


def test_convert_refusals(
    api_client_for: Callable[..., Any],
    lead_factory: Callable[..., Lead],
    sales_user: Any,
    sales_user2: Any,
    support_user: Any,
) -> None:
    lead = lead_factory(owner=sales_user)
    response = api_client_for(sales_user).post(url(lead.pk, "convert"))
    assert response.status_code == 400 and response.json()["code"] == "not_convertible"
    opened = lead_factory(owner=sales_user, status=S.ACCOUNT_OPENED)
    for user, status in ((sales_user2, 404), (support_user, 403)):  # 404: not readable
        assert api_client_for(user).post(url(opened.pk, "convert")).status_code == status
    assert not Customer.objects.exists()


# --- bulk --------------------------------------------------------------------------------


def test_bulk_status(
    api_client_for: Callable[..., Any], lead_factory: Callable[..., Lead], sales_user: Any
) -> None:
    leads = [lead_factory(owner=sales_user) for _ in range(3)]
    client = api_client_for(sales_user)
    ids = [lead.pk for lead in leads]
    response = client.post(
        f"{LIST_URL}bulk-status/", {"ids": ids, "status": S.CONTACTED}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"updated": 3, "ids": ids}
    response = client.post(
        f"{LIST_URL}bulk-status/", {"ids": ids, "status": S.ACCOUNT_OPENED}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bulk_failed" and len(response.json()["errors"]["ids"]) == 3
    assert set(Lead.objects.values_list("status", flat=True)) == {S.CONTACTED}


def test_bulk_assign(
    api_client_for: Callable[..., Any],
    lead_factory: Callable[..., Lead],
    manager: Any,
    sales_user: Any,
    sales_user2: Any,
) -> None:
    leads = [lead_factory(owner=sales_user) for _ in range(2)]
    body = {"ids": [lead.pk for lead in leads], "owner": sales_user2.pk}
    denied = api_client_for(sales_user).post(f"{LIST_URL}bulk-assign/", body, format="json")
    assert denied.status_code == 403
    response = api_client_for(manager).post(f"{LIST_URL}bulk-assign/", body, format="json")
    assert response.status_code == 200 and response.json()["updated"] == 2
    assert Lead.objects.filter(owner=sales_user2).count() == 2


def test_schema_lists_the_lead_endpoints(client: Any, admin_user: Any) -> None:
    client.force_login(admin_user)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/v1/leads/", "/api/v1/leads/{id}/convert/", "/api/v1/leads/{id}/status/"):
        assert path in text
