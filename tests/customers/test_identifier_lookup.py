"""Exact identifier lookups: never in a URL, only for roles that may see identifiers, each
one audited with the masked value; the duplicate error names no one to other roles."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from factories import SAMPLE_AADHAAR, SAMPLE_PAN, SAMPLE_PASSPORT, make_customer

from clientdesk.core.models import AuditEvent
from clientdesk.customers import services
from clientdesk.customers.lookup import looks_like_identifier

pytestmark = pytest.mark.django_db

LIST = "/customers/"
LOOKUP = "/customers/lookup/"
API_LIST = "/api/v1/customers/"
API_LOOKUP = "/api/v1/customers/lookup/"
SECRETS = (SAMPLE_PAN, SAMPLE_PAN.lower(), SAMPLE_AADHAAR, SAMPLE_PASSPORT)


def lookups() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="identifier_lookup").order_by("seq"))


def assert_no_clear_identifier_in_audit() -> None:
    dumped = json.dumps([e.changes for e in AuditEvent.objects.all()])
    for secret in SECRETS:
        assert secret not in dumped


def assert_clean_chain(response: Any) -> None:
    """No URL the browser was sent to (redirects included) carries an identifier."""
    urls = [url for url, _status in response.redirect_chain] + [response.request["PATH_INFO"]]
    urls.append(response.request.get("QUERY_STRING", ""))
    for url in urls:
        for secret in SECRETS:
            assert secret not in url, url


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        (SAMPLE_PAN, True),
        (SAMPLE_PAN.lower(), True),
        (SAMPLE_AADHAAR, True),
        (f"{SAMPLE_AADHAAR[:4]} {SAMPLE_AADHAAR[4:8]} {SAMPLE_AADHAAR[8:]}", True),
        (SAMPLE_PASSPORT, True),
        ("ABC1234567", True),  # voter ID
        ("MH1220110012345", True),  # driving licence
        ("CD00000012", False),  # a client ID
        ("9876543210", False),  # a mobile
        ("+91 98765 43210", False),
        ("43210", False),
        ("asha verma", False),
        ("ravi@example.org", False),
        ("ABCPE12", False),  # too short to be one
        ("", False),
    ],
)
def test_looks_like_identifier(term: str, expected: bool) -> None:
    assert looks_like_identifier(term) is expected


# --- the list page -------------------------------------------------------------------------


def test_page_lookup_by_post_for_compliance(
    client_for: Any, compliance: Any, customer: Any
) -> None:
    other = make_customer(first_name="Other")
    client = client_for(compliance)
    response = client.post(LOOKUP, {"q": SAMPLE_PAN, "status": ["pending"]}, follow=True)
    assert response.redirect_chain[0][1] == 303
    location = response.redirect_chain[0][0]
    assert (
        location.startswith(f"{LIST}?") and "lookup=" in location and "status=pending" in location
    )
    assert_clean_chain(response)
    html = response.content.decode()
    assert customer.client_id in html and other.client_id not in html
    assert "Exact identifier lookup: XXXXXX234F" in html
    assert SAMPLE_PAN not in html
    [event] = lookups()
    assert event.actor_id == compliance.pk
    assert event.changes == {"identifier": "XXXXXX234F", "via": "page", "matches": 1}
    assert_no_clear_identifier_in_audit()
    # The token works again in this session (paging, sorting) without a new lookup...
    again = client.get(location)
    assert customer.client_id in again.content.decode() and len(lookups()) == 1
    # ...and means nothing in another session.
    stranger = client_for(compliance).get(location).content.decode()
    assert customer.client_id not in stranger and "expired" in stranger


def test_htmx_lookup_answers_with_the_results_fragment(
    client_for: Any, compliance: Any, customer: Any
) -> None:
    response = client_for(compliance).post(
        LOOKUP, {"q": SAMPLE_AADHAAR}, HTTP_HX_REQUEST="true", follow=True
    )
    assert_clean_chain(response)
    html = response.content.decode()
    assert customer.client_id in html and "<html" not in html  # the fragment only


def test_get_with_an_identifier_is_redirected_out_of_the_url(
    client_for: Any, compliance: Any, customer: Any
) -> None:
    response = client_for(compliance).get(LIST, {"q": SAMPLE_PAN.lower()}, follow=True)
    assert response.redirect_chain and response.redirect_chain[0][1] == 303
    final = response.redirect_chain[-1][0]
    assert "q=" not in final and "lookup=" in final
    assert customer.client_id in response.content.decode()
    assert len(lookups()) == 1


@pytest.mark.parametrize("role", ["sales", "support", "manager"])
def test_roles_without_identifiers_are_refused_and_audited(
    role: str, users_by_role: dict, client_for: Any, customer: Any
) -> None:
    response = client_for(users_by_role[role]).post(LOOKUP, {"q": SAMPLE_PAN}, follow=True)
    assert_clean_chain(response)
    html = response.content.decode()
    assert "cannot look customers up by PAN" in html
    assert customer.client_id not in html
    [event] = lookups()
    assert event.changes == {"identifier": "XXXXXX234F", "via": "page", "refused": True}


def test_other_terms_posted_go_back_to_a_get_search(
    client_for: Any, sales_user: Any, customer: Any
) -> None:
    response = client_for(sales_user).post(LOOKUP, {"q": "asha"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{LIST}?q=asha"
    assert customer.client_id in response.content.decode()
    assert lookups() == []


def test_name_and_phone_searches_stay_get(client_for: Any, sales_user: Any, customer: Any) -> None:
    for term in ("verma", "43210", customer.client_id):
        response = client_for(sales_user).get(LIST, {"q": term})
        assert response.status_code == 200 and customer.client_id in response.content.decode()
    assert lookups() == []


def test_the_filter_form_posts_identifiers(client_for: Any, sales_user: Any) -> None:
    html = client_for(sales_user).get(LIST).content.decode()
    assert f'data-lookup-url="{LOOKUP}"' in html


# --- Ctrl+K --------------------------------------------------------------------------------


def _palette(client: Client, method: str, term: str) -> str:
    if method == "get":
        return client.get("/search/", {"q": term}).content.decode()
    return client.post("/search/", {"q": term}).content.decode()


def test_palette_looks_identifiers_up_only_by_post(
    client_for: Any, compliance: Any, customer: Any
) -> None:
    client = client_for(compliance)
    assert customer.full_name not in _palette(client, "get", SAMPLE_PAN)
    assert lookups() == []
    html = _palette(client, "post", SAMPLE_PAN)
    assert customer.full_name in html and "Identifier" in html
    [event] = lookups()
    assert event.changes["via"] == "search" and event.changes["matches"] == 1
    # A fragment on its way (posted by the palette) is no lookup and no audit record.
    _palette(client, "post", SAMPLE_PAN[:7])
    assert len(lookups()) == 1


def test_palette_refuses_identifier_lookups_to_sales(
    client_for: Any, sales_user: Any, customer: Any
) -> None:
    html = _palette(client_for(sales_user), "post", SAMPLE_PAN)
    assert customer.full_name not in html
    [event] = lookups()
    assert event.changes["refused"] is True
    # Names still work by POST too.
    assert customer.full_name in _palette(client_for(sales_user), "post", "asha")


def test_palette_post_needs_csrf(compliance: Any, customer: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(compliance)
    assert client.post("/search/", {"q": SAMPLE_PAN}).status_code == 403


# --- API -----------------------------------------------------------------------------------


def test_api_refuses_identifiers_in_the_url(api_client_for: Any, compliance: Any) -> None:
    response = api_client_for(compliance).get(API_LIST, {"q": SAMPLE_PAN})
    assert response.status_code == 400
    assert response.json()["code"] == "identifier_in_url"
    assert "q" in response.json()["errors"]
    assert lookups() == []


def test_api_lookup_by_post(api_client_for: Any, compliance: Any, customer: Any) -> None:
    response = api_client_for(compliance).post(
        API_LOOKUP, {"identifier": SAMPLE_AADHAAR}, format="json"
    )
    assert response.status_code == 200, response.content
    [row] = response.json()
    assert row["id"] == customer.pk and row["pan"] == "XXXXXX234F"
    assert SAMPLE_PAN not in response.content.decode()
    [event] = lookups()
    masked = "XXXXXXXX" + SAMPLE_AADHAAR[-4:]
    assert event.changes == {"identifier": masked, "via": "api", "matches": 1}
    assert_no_clear_identifier_in_audit()


@pytest.mark.parametrize("role", ["sales", "support"])
def test_api_lookup_refused_without_identifiers(
    role: str, users_by_role: dict, api_client_for: Any, customer: Any
) -> None:
    response = api_client_for(users_by_role[role]).post(
        API_LOOKUP, {"identifier": SAMPLE_PAN}, format="json"
    )
    assert response.status_code == 403
    assert lookups()[0].changes["refused"] is True


def test_api_lookup_wants_a_whole_identifier(api_client_for: Any, compliance: Any) -> None:
    response = api_client_for(compliance).post(API_LOOKUP, {"identifier": "asha"}, format="json")
    assert response.status_code == 400 and "identifier" in response.json()["errors"]


# --- the duplicate error -------------------------------------------------------------------


def _duplicate_messages(actor: Any, **data: Any) -> dict[str, list[str]]:
    from django.core.exceptions import ValidationError

    payload = {"first_name": "Dup", "mobile": "9811100001", "country": "IN", **data}
    with pytest.raises(ValidationError) as caught:
        services.register_customer(actor=actor, data=payload)
    return caught.value.message_dict


@pytest.mark.parametrize("field", ["pan", "aadhaar"])
def test_duplicate_identifier_names_the_holder_only_to_permitted_roles(
    field: str, customer: Any, sales_user: Any, compliance: Any
) -> None:
    value = {"pan": SAMPLE_PAN, "aadhaar": SAMPLE_AADHAAR}[field]
    for_sales = _duplicate_messages(sales_user, **{field: value})[field]
    assert customer.client_id not in " ".join(for_sales)
    assert "Another customer already has this" in for_sales[0]
    for_officer = _duplicate_messages(compliance, **{field: value})[field]
    assert customer.client_id in " ".join(for_officer)


def test_duplicate_mobile_still_names_the_customer(customer: Any, sales_user: Any) -> None:
    messages = _duplicate_messages(sales_user, mobile=customer.mobile)["mobile"]
    assert customer.client_id in messages[0]


def test_duplicate_pan_in_the_form_and_the_api(
    customer: Any, sales_user: Any, client_for: Any, api_client_for: Any, valid_data: dict
) -> None:
    data = {**valid_data, "mobile": "9811100002", "email": "", "aadhaar": ""}
    data.update(id_type="", id_number="")
    data["date_of_birth"] = data["date_of_birth"].isoformat()
    page = client_for(sales_user).post("/customers/new/", data).content.decode()
    assert "Another customer already has this PAN" in page
    assert f"({customer.client_id})" not in page
    api = api_client_for(sales_user).post(API_LIST, data, format="json")
    assert api.status_code == 400
    [message] = api.json()["errors"]["pan"]
    assert message == "Another customer already has this PAN."
