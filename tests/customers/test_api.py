"""/api/v1/customers/: list, filters, cursor pages, create, update, status, reveal, errors."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from factories import (
    SAMPLE_AADHAAR,
    SAMPLE_PAN,
    make_customer,
    unique_identifiers,
    valid_customer_data,
)
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from clientdesk.core.models import AuditEvent
from clientdesk.customers.api.serializers import CustomerSerializer
from clientdesk.customers.models import Customer, Status

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/customers/"


def detail_url(pk: int, action: str = "") -> str:
    return f"{LIST_URL}{pk}/" + (f"{action}/" if action else "")


def api_body(**overrides: Any) -> dict[str, Any]:
    body = valid_customer_data()
    body["date_of_birth"] = body["date_of_birth"].isoformat()
    body.update(overrides)
    return body


def collect_pages(client: Any, url: str) -> list[dict[str, Any]]:
    """Follow ``next`` links to the end; return every row."""
    rows: list[dict[str, Any]] = []
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        payload = response.json()
        rows.extend(payload["results"])
        url = payload["next"]
        pages += 1
        assert pages < 50
    return rows


@pytest.fixture
def population(admin_user: Any, sales_user: Any) -> list[Customer]:
    """13 customers; names repeat so that sorting by name has ties."""
    names = ["Anil", "Bela", "Chitra"]
    now = timezone.now()
    customers = [
        make_customer(
            actor=admin_user,
            first_name=names[i % 3],
            last_name="Kumar",
            city="Pune" if i % 2 else "Delhi",
            assigned_to=sales_user if i < 4 else None,
            created_at=now - dt.timedelta(days=i),
        )
        for i in range(13)
    ]
    from factories import move_to

    for c in customers[:3]:
        move_to(c, Status.ACTIVE, actor=admin_user)
    return customers


# --- list --------------------------------------------------------------------------------


def test_list_returns_masked_rows(api_client_for: Any, compliance: Any, customer: Customer) -> None:
    response = api_client_for(compliance).get(LIST_URL)
    assert response.status_code == 200
    payload = response.json()
    assert set(payload) >= {"next", "previous", "results"}
    (row,) = payload["results"]
    assert row["client_id"] == customer.client_id
    assert row["pan"] == "XXXXXX234F"
    assert row["aadhaar"] == f"XXXX XXXX {SAMPLE_AADHAAR[-4:]}"
    assert row["date_of_birth"] == "XX/XX/XXXX"
    assert SAMPLE_PAN not in response.content.decode()


@pytest.mark.parametrize(
    "sort",
    [
        "name",
        "-name",
        "client_id",
        "-client_id",
        "created",
        "-created",
        "city",
        "-last_activity",
        "status",
    ],
)
def test_cursor_pages_cover_everything_once(
    api_client_for: Any, admin_user: Any, population: list[Customer], sort: str
) -> None:
    client = api_client_for(admin_user)
    rows = collect_pages(client, f"{LIST_URL}?page_size=4&sort={sort}")
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)) == len(population)
    single = client.get(f"{LIST_URL}?page_size=100&sort={sort}").json()["results"]
    assert ids == [r["id"] for r in single]  # paging does not change the order


def test_next_link_keeps_filters(
    api_client_for: Any, admin_user: Any, population: list[Customer]
) -> None:
    client = api_client_for(admin_user)
    first = client.get(f"{LIST_URL}?page_size=2&city=pune&sort=-created").json()
    query = urlsplit(first["next"]).query
    assert "city=pune" in query and "cursor=" in query
    rows = collect_pages(client, f"{LIST_URL}?page_size=2&city=pune&sort=-created")
    assert {r["city"] for r in rows} == {"Pune"}
    assert len(rows) == 6
    created = [r["created_at"] for r in rows]
    assert created == sorted(created, reverse=True)


def test_previous_link_goes_back(
    api_client_for: Any, admin_user: Any, population: list[Customer]
) -> None:
    client = api_client_for(admin_user)
    first = client.get(f"{LIST_URL}?page_size=5&sort=client_id").json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in first["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=active", 3),
        ("status=active&status=pending", 13),
        ("status=closed", 0),
        ("city=delhi", 7),
        ("q=bela", 4),
        ("q=kumar", 13),
        ("created_after={today}", 1),
        ("created_before={today}", 13),
    ],
)
def test_list_filters(
    api_client_for: Any, admin_user: Any, population: list[Customer], query: str, expected: int
) -> None:
    today = timezone.localdate().isoformat()
    url = f"{LIST_URL}?page_size=100&" + query.format(today=today)
    response = api_client_for(admin_user).get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) == expected


def test_filter_by_assigned_user(
    api_client_for: Any, admin_user: Any, sales_user: Any, population: list[Customer]
) -> None:
    response = api_client_for(admin_user).get(f"{LIST_URL}?assigned_to={sales_user.pk}")
    assert {r["assigned_to"] for r in response.json()["results"]} == {sales_user.pk}
    assert len(response.json()["results"]) == 4


def test_search_by_client_id_and_pan(
    api_client_for: Any, admin_user: Any, population: list[Customer]
) -> None:
    client = api_client_for(admin_user)
    target = population[5]
    by_id = client.get(f"{LIST_URL}?q={target.client_id}").json()["results"]
    assert [r["id"] for r in by_id] == [target.pk]
    # An exact PAN is not accepted in the URL; it is looked up by POST (sensdata).
    refused = client.get(f"{LIST_URL}?q={target.pan}")
    assert refused.status_code == 400 and refused.json()["code"] == "identifier_in_url"
    by_pan = client.post(f"{LIST_URL}lookup/", {"identifier": target.pan}, format="json")
    assert [r["id"] for r in by_pan.json()] == [target.pk]


def test_bad_filter_value_is_400(api_client_for: Any, admin_user: Any) -> None:
    response = api_client_for(admin_user).get(f"{LIST_URL}?status=nonsense")
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_retrieve(api_client_for: Any, support_user: Any, customer: Customer) -> None:
    response = api_client_for(support_user).get(detail_url(customer.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == customer.pk
    assert body["full_name"] == "Asha Verma"
    assert body["status"] == "pending"
    assert body["mobile"] == "+919876543210"


def test_unknown_id_is_404(api_client_for: Any, admin_user: Any) -> None:
    client = api_client_for(admin_user)
    for url in (detail_url(999999), detail_url(999999, "status"), detail_url(999999, "reveal")):
        response = client.get(url) if url.endswith("999999/") else client.post(url, {})
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"


# --- authentication ----------------------------------------------------------------------


def test_anonymous_is_401(api_client_for: Any, customer: Customer) -> None:
    client = api_client_for()
    assert client.get(LIST_URL).status_code == 401
    assert client.get(detail_url(customer.pk)).status_code == 401
    assert client.post(LIST_URL, api_body(), format="json").status_code == 401
    assert Customer.objects.count() == 1


def test_user_without_role_is_403(
    api_client_for: Any, user_factory: Any, customer: Customer
) -> None:
    client = api_client_for(user_factory(None))
    response = client.get(LIST_URL)
    assert response.status_code == 403
    assert customer.client_id not in response.content.decode()
    assert client.get(detail_url(customer.pk)).status_code == 403


def test_token_authentication(api_client_for: Any, manager: Any, customer: Customer) -> None:
    client = api_client_for(manager, token=True)
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert response.json()["results"][0]["client_id"] == customer.client_id


def test_bad_token_is_401(api_client_for: Any) -> None:
    client = api_client_for()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(LIST_URL).status_code == 401


def test_inactive_user_token_is_refused(api_client_for: Any, manager: Any) -> None:
    client = api_client_for(manager, token=True)
    manager.is_active = False
    manager.save()
    assert client.get(LIST_URL).status_code == 401


# --- create ------------------------------------------------------------------------------


def test_create(api_client_for: Any, manager: Any) -> None:
    response = api_client_for(manager).post(LIST_URL, api_body(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["client_id"].startswith("CD")
    assert body["status"] == "pending"
    assert body["mobile"] == "+919876543210"
    assert body["pan"] == "XXXXXX234F"
    assert body["aadhaar"] == f"XXXX XXXX {SAMPLE_AADHAAR[-4:]}"
    assert body["date_of_birth"] == "XX/XX/XXXX"
    assert body["bank_account_number"] == "XXXXXXXX9012"
    assert SAMPLE_PAN not in response.content.decode()
    customer = Customer.objects.get(pk=body["id"])
    assert customer.pan == SAMPLE_PAN
    event = AuditEvent.objects.get(action="create", object_id=str(customer.pk))
    assert event.source == "api"


def test_create_ignores_read_only_fields(api_client_for: Any, manager: Any) -> None:
    body = api_body(client_id="HACK0001", status="active", created_at="2000-01-01T00:00:00Z")
    response = api_client_for(manager).post(LIST_URL, body, format="json")
    assert response.status_code == 201
    assert response.json()["client_id"] != "HACK0001"
    assert response.json()["status"] == "pending"


def test_bad_pan_is_a_json_field_error(api_client_for: Any, manager: Any) -> None:
    response = api_client_for(manager).post(LIST_URL, api_body(pan="ABCDE12345"), format="json")
    assert response.status_code == 400
    body = response.json()
    assert isinstance(body["code"], str) and body["code"]
    assert list(body["errors"]) == ["pan"]
    assert "valid PAN" in body["errors"]["pan"][0]
    assert Customer.objects.count() == 0


def test_several_bad_fields(api_client_for: Any, manager: Any) -> None:
    body = api_body(pan="x", aadhaar="123", mobile="1", gender="robot")
    response = api_client_for(manager).post(LIST_URL, body, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"gender"}  # the serializer answers first
    body["gender"] = "male"
    response = api_client_for(manager).post(LIST_URL, body, format="json")
    assert set(response.json()["errors"]) == {"pan", "aadhaar", "mobile"}


@pytest.mark.parametrize("country", ["ß", "ﬃ", "ZZ"])
def test_bad_country_is_400_not_500(api_client_for: Any, manager: Any, country: str) -> None:
    response = api_client_for(manager).post(LIST_URL, api_body(country=country), format="json")
    assert response.status_code == 400
    assert "country" in response.json()["errors"]


def test_duplicate_is_400_with_code(api_client_for: Any, manager: Any, customer: Customer) -> None:
    body = api_body(**unique_identifiers(800_001))
    body["pan"] = SAMPLE_PAN
    response = api_client_for(manager).post(LIST_URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "duplicate"
    # A manager may not see identifiers: the error does not say whose PAN it is (sensdata).
    assert response.json()["errors"]["pan"] == ["Another customer already has this PAN."]


def test_missing_required_fields(api_client_for: Any, manager: Any) -> None:
    response = api_client_for(manager).post(LIST_URL, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"first_name", "mobile"}


def test_read_role_cannot_create(api_client_for: Any, support_user: Any) -> None:
    response = api_client_for(support_user).post(LIST_URL, api_body(), format="json")
    assert response.status_code == 403
    assert Customer.objects.count() == 0


def test_malformed_json_is_400(api_client_for: Any, manager: Any) -> None:
    response = api_client_for(manager).generic(
        "POST", LIST_URL, "{not json", content_type="application/json"
    )
    assert response.status_code == 400


# --- update ------------------------------------------------------------------------------


def test_partial_update(api_client_for: Any, manager: Any, customer: Customer) -> None:
    response = api_client_for(manager).patch(
        detail_url(customer.pk), {"city": "Pune", "pan": "ZZZPZ9876Y"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["city"] == "Pune"
    assert response.json()["pan"] == "XXXXXX876Y"
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.city, fresh.pan, fresh.aadhaar) == ("Pune", "ZZZPZ9876Y", SAMPLE_AADHAAR)


def test_partial_update_validation_error(
    api_client_for: Any, manager: Any, customer: Customer
) -> None:
    response = api_client_for(manager).patch(
        detail_url(customer.pk), {"postal_code": "12"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["postal_code"]


def test_put_is_not_offered(api_client_for: Any, manager: Any, customer: Customer) -> None:
    response = api_client_for(manager).put(detail_url(customer.pk), api_body(), format="json")
    assert response.status_code == 405


def test_row_rule_over_the_api(
    api_client_for: Any, sales_user: Any, sales_user2: Any, customer: Customer
) -> None:
    assert customer.assigned_to == sales_user
    ok = api_client_for(sales_user).patch(detail_url(customer.pk), {"city": "Goa"}, format="json")
    assert ok.status_code == 200
    refused = api_client_for(sales_user2).patch(
        detail_url(customer.pk), {"city": "Ooty"}, format="json"
    )
    assert refused.status_code == 403
    assert Customer.objects.get(pk=customer.pk).city == "Goa"


# --- status ------------------------------------------------------------------------------


def test_status_endpoint(api_client_for: Any, manager: Any, customer: Customer) -> None:
    client = api_client_for(manager)
    response = client.post(
        detail_url(customer.pk, "status"), {"status": "active", "reason": "KYC"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert response.json()["account_activated_at"]

    response = client.post(
        detail_url(customer.pk, "status"), {"status": "pending", "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_transition"
    assert "status" in response.json()["errors"]


def test_format_suffix_routes(api_client_for: Any, compliance: Any, customer: Customer) -> None:
    """DefaultRouter adds ``.json`` variants; the extra actions used to crash on them (500)."""
    client = api_client_for(compliance)
    assert client.get(f"{LIST_URL[:-1]}.json").status_code == 200
    revealed = client.post(f"{LIST_URL}{customer.pk}/reveal.json", {"field": "pan"}, format="json")
    assert revealed.status_code == 200
    status = client.post(
        f"{LIST_URL}{customer.pk}/status.json", {"status": "active", "reason": "ok"}, format="json"
    )
    assert status.status_code == 200
    assert status.json()["status"] == "active"


def test_status_endpoint_needs_reason(
    api_client_for: Any, manager: Any, customer: Customer
) -> None:
    response = api_client_for(manager).post(
        detail_url(customer.pk, "status"), {"status": "active"}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


def test_unblock_needs_privileged_role(
    api_client_for: Any, compliance: Any, manager: Any, admin_user: Any
) -> None:
    customer = make_customer(actor=admin_user, status=Status.BLOCKED)
    body = {"status": "active", "reason": "Cleared"}
    url = detail_url(customer.pk, "status")
    assert api_client_for(compliance).post(url, body, format="json").status_code == 403
    assert api_client_for(manager).post(url, body, format="json").status_code == 200


# --- reveal ------------------------------------------------------------------------------


def test_reveal_endpoint(api_client_for: Any, compliance: Any, customer: Customer) -> None:
    response = api_client_for(compliance).post(
        detail_url(customer.pk, "reveal"), {"field": "pan"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"field": "pan", "value": SAMPLE_PAN}
    event = AuditEvent.objects.get(action="reveal")
    assert (event.actor, event.source, event.changes) == (compliance, "api", {"field": "pan"})


@pytest.mark.parametrize("role", ["sales", "support", "manager"])
def test_reveal_refused(
    api_client_for: Any, users_by_role: dict[str, Any], customer: Customer, role: str
) -> None:
    response = api_client_for(users_by_role[role]).post(
        detail_url(customer.pk, "reveal"), {"field": "pan"}, format="json"
    )
    assert response.status_code == 403
    assert SAMPLE_PAN not in response.content.decode()
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_reveal_unknown_field(api_client_for: Any, compliance: Any, customer: Customer) -> None:
    response = api_client_for(compliance).post(
        detail_url(customer.pk, "reveal"), {"field": "mobile"}, format="json"
    )
    assert response.status_code == 400
    assert "field" in response.json()["errors"]


# --- never a 500 -------------------------------------------------------------------------

FIELD_NAMES = [*sorted(CustomerSerializer().fields), "unknown", "status", "client_id", ""]
PLAUSIBLE = st.sampled_from(
    [
        "9876543210",
        "+447911123456",
        "ABCPE1234F",
        "ABCXE1234F",
        SAMPLE_AADHAAR,
        "1990-01-01",
        "2020-02-30",
        "IN",
        "US",
        "ß",
        "ﬃ",
        "zz",
        "in ",
        "560001",
        "HDFC0001234",
        "passport",
        "pan",
        "aadhaar",
        "voter_id",
        "male",
        "salary",
        "J8369854",
        "x@y.z",
        "",
        " ",
        "\x00",
        "0",
        "-1",
        "1e309",
        "99999999999999999999999",
    ]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | PLAUSIBLE,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
BODIES = st.dictionaries(st.sampled_from(FIELD_NAMES), JSON_VALUES, max_size=8)
FUZZ = hsettings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
LIGHT_FUZZ = hsettings(FUZZ, max_examples=30)


@FUZZ
@given(body=BODIES)
def test_create_never_500(api_client_for: Any, admin_user: Any, body: dict[str, Any]) -> None:
    response = api_client_for(admin_user).post(LIST_URL, body, format="json")
    assert response.status_code < 500, (body, response.content)
    assert response.status_code in (201, 400), (body, response.content)


@LIGHT_FUZZ
@given(body=BODIES)
def test_create_from_valid_base_never_500(
    api_client_for: Any, admin_user: Any, body: dict[str, Any]
) -> None:
    """Random changes to an otherwise valid body reach deeper into the service."""
    full = api_body(**unique_identifiers(700_000)) | body
    response = api_client_for(admin_user).post(LIST_URL, full, format="json")
    assert response.status_code in (201, 400), (full, response.content)
    if response.status_code == 201:
        Customer.objects.filter(pk=response.json()["id"]).delete()


@FUZZ
@given(body=BODIES)
def test_partial_update_never_500(
    api_client_for: Any, admin_user: Any, customer: Customer, body: dict[str, Any]
) -> None:
    response = api_client_for(admin_user).patch(detail_url(customer.pk), body, format="json")
    assert response.status_code in (200, 400), (body, response.content)


QUERY_KEYS = st.sampled_from(
    [
        "q",
        "status",
        "sort",
        "city",
        "state",
        "assigned_to",
        "created_after",
        "created_before",
        "active_after",
        "active_before",
        "page_size",
        "cursor",
        "format",
    ]
)


@LIGHT_FUZZ
@given(params=st.lists(st.tuples(QUERY_KEYS, st.text(max_size=20) | PLAUSIBLE), max_size=4))
def test_list_query_never_500(
    api_client_for: Any, admin_user: Any, customer: Customer, params: list[tuple[str, str]]
) -> None:
    response = api_client_for(admin_user).get(LIST_URL, params)
    assert response.status_code in (200, 400, 404), (params, response.content)
