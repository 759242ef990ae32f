"""What schemathesis found, one test each: 5 causes of server errors, the responses that broke
the published schema, and the HTML answer to a large body.

Requests go through the real WSGI application (``wsgi`` fixture) with an Admin token, and
every answer is checked against the published document by schemathesis' own validator.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from factories import make_customer

from clientdesk.accounts.services import issue_api_token
from clientdesk.customers.models import Customer
from clientdesk.transactions import services as tx_services
from clientdesk.transactions.intake import intake_transactions

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(wsgi: Any, admin_user: Any) -> Any:
    key = issue_api_token(admin_user, actor=None)

    def send(method: str, url: str, body: Any = None, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Token {key}", **kwargs.pop("headers", {})}
        if body is not None and "data" not in kwargs:
            kwargs["data"] = json.dumps(body) if not isinstance(body, bytes | str) else body
            kwargs.setdefault("content_type", "application/json")
        return wsgi.open(url, method=method, headers=headers, **kwargs)

    return send


def conforms(api_schema: Any, method: str, path: str, response: Any) -> None:
    """The response is one the document promises (status, content type, body)."""
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    api_schema[path][method].validate_response(response)


def _json(response: Any) -> Any:
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.get_data(as_text=True))


def _active(admin_user: Any) -> Customer:
    customer = make_customer(actor=admin_user)
    Customer.objects.filter(pk=customer.pk).update(status="active")
    customer.refresh_from_db()
    return customer


def _row(customer: Customer, n: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "transaction_id": f"ERR{n:06d}",
        "customer": customer.client_id,
        "occurred_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
        "amount": "1000.00",
        "currency": "INR",
        "type": "deposit",
    }
    return {**row, **overrides}


# --- the five causes of 5xx ------------------------------------------------------------------


def test_non_numeric_ticket_id_in_attachment_download(call: Any, api_schema: Any) -> None:
    response = call("GET", "/api/v1/tickets/abc/attachments/1/download/")
    assert response.status_code == 404 and _json(response)["code"] == "not_found"
    conforms(
        api_schema, "GET", "/api/v1/tickets/{id}/attachments/{attachment_pk}/download/", response
    )


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_list_typed_rule_type(call: Any, api_schema: Any, content_type: str) -> None:
    if content_type == "application/json":
        body: Any = {"name": "r", "rule_type": ["amount_threshold"], "parameters": {}}
        response = call("POST", "/api/v1/rules/", body)
    else:
        response = call(
            "POST",
            "/api/v1/rules/",
            data="name=r&rule_type=amount_threshold&rule_type=velocity&parameters=x",
            content_type=content_type,
        )
    assert response.status_code == 400
    assert "rule_type" in _json(response)["errors"] or "parameters" in _json(response)["errors"]
    conforms(api_schema, "POST", "/api/v1/rules/", response)


def test_rule_body_that_is_not_an_object(call: Any, api_schema: Any) -> None:
    response = call("POST", "/api/v1/rules/", [1, 2])
    assert response.status_code == 400
    assert _json(response)["errors"] == {"non_field_errors": ["Send a JSON object."]}


@pytest.mark.parametrize("url", ["/customers/", "/transactions/list/"])
def test_page_number_beyond_bigint(client_for: Any, admin_user: Any, url: str) -> None:
    response = client_for(admin_user).get(url, {"page": "99999999999999999999"})
    assert response.status_code in (200, 404)


def test_task_offset_beyond_bigint(call: Any, api_schema: Any) -> None:
    response = call("GET", "/api/v1/tasks/?offset=99999999999999999999")
    assert response.status_code == 200 and _json(response)["results"] == []
    conforms(api_schema, "GET", "/api/v1/tasks/", response)


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/v1/accounts/", "customer"),
        ("/api/v1/transactions/", "customer"),
        ("/api/v1/tickets/", "customer"),
        ("/api/v1/calls/", "customer"),
        ("/api/v1/tasks/", "customer"),
        ("/api/v1/screening/hits/", "customer"),
        ("/api/v1/devices/", "customer"),
        ("/api/v1/transactions/", "amount_min"),
    ],
)
@pytest.mark.parametrize("value", ["1e30", "513702180999041777664"])
def test_numeric_filter_beyond_bigint(
    call: Any, api_schema: Any, path: str, param: str, value: str
) -> None:
    response = call("GET", f"{path}?{param}={value}")
    assert response.status_code == 400
    assert param in _json(response)["errors"]
    conforms(api_schema, "GET", path, response)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/leads/bulk-assign/", {"ids": [10**24, 5], "owner": None}, "ids"),
        ("/api/v1/leads/bulk-status/", {"ids": [10**24], "status": "contacted"}, "ids"),
        ("/api/v1/notifications/read/", {"ids": [14730795158, 10**24]}, "ids"),
        ("/api/v1/messages/", {"customer": 10**24, "channel": "sms", "body": "x"}, "customer"),
    ],
)
def test_id_beyond_bigint_in_a_body(
    call: Any, api_schema: Any, path: str, body: dict[str, Any], field: str
) -> None:
    response = call("POST", path, body)
    assert response.status_code == 400 and field in _json(response)["errors"]
    conforms(api_schema, "POST", path, response)


def test_every_filterset_uses_the_bounded_number_filter() -> None:
    """The fix lives in the shared filter: no FilterSet may use django-filter's own."""
    import django_filters

    from clientdesk.core.filters import NumberFilter

    def subclasses(cls: type) -> set[type]:
        found = set(cls.__subclasses__())
        return found.union(*(subclasses(c) for c in found)) if found else set()

    offenders = [
        f"{fs.__module__}.{fs.__name__}.{name}"
        for fs in subclasses(django_filters.FilterSet)
        if fs.__module__.startswith("clientdesk.")
        for name, flt in fs.base_filters.items()
        if isinstance(flt, django_filters.NumberFilter) and not isinstance(flt, NumberFilter)
    ]
    assert not offenders


@pytest.mark.parametrize("depth", [33, 5000, 200_000])
def test_deeply_nested_json(call: Any, api_schema: Any, depth: int) -> None:
    body = "[" * depth + "]" * depth
    for path in ("/api/v1/calls/intake/", "/api/v1/transactions/", "/api/v1/rules/"):
        response = call("POST", path, body)
        assert response.status_code == 400, path
        assert "nested" in _json(response)["errors"]["non_field_errors"][0]
        conforms(api_schema, "POST", path, response)


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_nul_character_in_text(call: Any, api_schema: Any, content_type: str) -> None:
    """PostgreSQL refuses NUL in text (DataError, a 500): refused as a 400 on both engines."""
    if content_type == "application/json":
        response = call("POST", "/api/v1/rules/", {"name": "a\x00b", "rule_type": "velocity"})
    else:
        body = "name=a%00b&rule_type=velocity&parameters=%7B%7D"
        response = call("POST", "/api/v1/rules/", data=body, content_type=content_type)
    assert response.status_code == 400
    assert "NUL" in _json(response)["errors"]["non_field_errors"][0]
    conforms(api_schema, "POST", "/api/v1/rules/", response)


def test_nesting_within_the_limit_still_parses(call: Any) -> None:
    response = call("POST", "/api/v1/rules/", {"name": "n", "rule_type": "x", "parameters": {}})
    assert response.status_code == 400 and "rule_type" in _json(response)["errors"]


# --- a 3 MB body, and Django's own errors under /api/ ----------------------------------------


def test_large_body_gets_json_413(call: Any, api_schema: Any) -> None:
    body = json.dumps({"name": "x" * (3 * 1024 * 1024), "rule_type": "velocity"})
    response = call("POST", "/api/v1/rules/", body)
    assert response.status_code == 413
    assert _json(response)["code"] == "too_large"
    conforms(api_schema, "POST", "/api/v1/rules/", response)


def test_large_form_body_gets_json_413(call: Any) -> None:
    response = call(
        "POST",
        "/api/v1/rules/",
        data="name=" + "x" * (3 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413 and _json(response)["code"] == "too_large"


def test_unknown_api_path_is_json_but_pages_keep_html(
    call: Any, client_for: Any, admin_user: Any
) -> None:
    response = call("GET", "/api/v1/customers/0.2/")
    assert response.status_code == 404 and _json(response)["code"] == "not_found"
    page = client_for(admin_user).get("/customers/nowhere/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_unsupported_content_type_is_documented(call: Any, api_schema: Any) -> None:
    response = call("POST", "/api/v1/notifications/read/", "/x", content_type="")
    assert response.status_code == 415
    assert _json(response)["code"] == "unsupported_media_type"
    conforms(api_schema, "POST", "/api/v1/notifications/read/", response)


def test_parse_errors_have_the_400_shape(call: Any, api_schema: Any) -> None:
    response = call("POST", "/api/v1/calls/", b"\x00")
    assert response.status_code == 400
    body = _json(response)
    assert body["code"] == "parse_error" and body["errors"]["non_field_errors"]
    conforms(api_schema, "POST", "/api/v1/calls/", response)


# --- responses that broke the published schema -----------------------------------------------


def test_alert_without_rule_has_null_rule_name(call: Any, api_schema: Any, admin_user: Any) -> None:
    pending = make_customer(actor=admin_user)  # not Active: the intake raises a rule-less alert
    intake_transactions([_row(pending, 1)], actor=admin_user)
    response = call("GET", "/api/v1/alerts/")
    alerts = _json(response)["results"]
    assert alerts and alerts[0]["rule"] is None and alerts[0]["rule_name"] is None
    conforms(api_schema, "GET", "/api/v1/alerts/", response)
    detail = call("GET", f"/api/v1/alerts/{alerts[0]['id']}/")
    conforms(api_schema, "GET", "/api/v1/alerts/{id}/", detail)


def test_alert_notes_are_a_plain_list(call: Any, api_schema: Any, admin_user: Any) -> None:
    pending = make_customer(actor=admin_user)
    intake_transactions([_row(pending, 2)], actor=admin_user)
    alert_id = _json(call("GET", "/api/v1/alerts/"))["results"][0]["id"]
    added = call("POST", f"/api/v1/alerts/{alert_id}/notes/", {"body": "Checked the KYC file."})
    assert added.status_code == 201
    conforms(api_schema, "POST", "/api/v1/alerts/{id}/notes/", added)
    response = call("GET", f"/api/v1/alerts/{alert_id}/notes/")
    notes = _json(response)
    assert isinstance(notes, list) and notes[-1]["from_status"] == ""
    conforms(api_schema, "GET", "/api/v1/alerts/{id}/notes/", response)


def test_call_without_recording_has_empty_url(call: Any, api_schema: Any) -> None:
    body = {
        "direction": "outgoing",
        "status": "completed",
        "to_number": "+919876501234",
        "started_at": int(timezone.now().timestamp()),
    }
    created = call("POST", "/api/v1/calls/", body)
    assert created.status_code == 201 and _json(created)["recording_url"] == ""
    conforms(api_schema, "POST", "/api/v1/calls/", created)
    conforms(api_schema, "GET", "/api/v1/calls/", call("GET", "/api/v1/calls/"))


def test_transaction_without_direction(call: Any, api_schema: Any, admin_user: Any) -> None:
    customer = _active(admin_user)
    created = call("POST", "/api/v1/transactions/", _row(customer, 3))
    assert created.status_code == 201
    assert _json(created)["direction"] == "" and _json(created)["channel"] == ""
    conforms(api_schema, "POST", "/api/v1/transactions/", created)
    listed = call("GET", "/api/v1/transactions/")
    conforms(api_schema, "GET", "/api/v1/transactions/", listed)
    conforms(api_schema, "GET", "/api/v1/devices/", call("GET", "/api/v1/devices/"))


def test_intake_report_counts_alerts(call: Any, api_schema: Any, admin_user: Any) -> None:
    customer = _active(admin_user)
    tx_services.create_rule(
        actor=admin_user,
        data={"name": "Big", "rule_type": "amount_threshold", "parameters": {"amount": "10"}},
    )
    report = call("POST", "/api/v1/transactions/", [_row(customer, 4), _row(customer, 5)])
    assert report.status_code == 200 and _json(report)["alert_count"] == 2
    conforms(api_schema, "POST", "/api/v1/transactions/", report)
    refused = call(
        "POST", "/api/v1/transactions/?atomic=true", [_row(customer, 6), {"amount": "x"}]
    )
    assert refused.status_code == 400 and _json(refused)["alert_count"] == 0
    conforms(api_schema, "POST", "/api/v1/transactions/", refused)
    one_bad = call("POST", "/api/v1/transactions/", _row(customer, 7, currency="new"))
    assert one_bad.status_code == 400 and "currency" in _json(one_bad)["errors"]
    conforms(api_schema, "POST", "/api/v1/transactions/", one_bad)


def test_throttled_answer_matches_the_schema(call: Any, api_schema: Any, settings: Any) -> None:
    settings.API_THROTTLE_RATES = {"token": "1/minute", "anon": None}
    cache.clear()
    try:
        call("GET", "/api/v1/customers/")
        response = call("GET", "/api/v1/customers/")
        assert response.status_code == 429
        conforms(api_schema, "GET", "/api/v1/customers/", response)
    finally:
        cache.clear()
