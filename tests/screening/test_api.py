"""/api/v1/screening/hits/, /api/v1/screening/lists/, /api/v1/risk-profiles/: shapes,
filters, decisions, overrides, errors, access, and responses checked against the schema."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import jsonschema
import pytest

from clientdesk.core.models import AuditEvent
from clientdesk.screening.models import ScreeningHit

pytestmark = pytest.mark.django_db

HITS = "/api/v1/screening/hits/"


@pytest.fixture
def hits(pep_list: Any, register: Any) -> list[ScreeningHit]:
    register("Aadhya", "Sharma")
    register("Muhammad", "Ali Khan", date_of_birth=dt.date(1970, 5, 1))
    return list(ScreeningHit.objects.order_by("id"))


@pytest.fixture(scope="module")
def document(django_db_setup: Any, django_db_blocker: Any) -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    with django_db_blocker.unblock():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def _jsonschema(node: Any) -> Any:
    if isinstance(node, list):
        return [_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {
        k: _jsonschema(v) for k, v in node.items() if k not in {"nullable", "readOnly", "writeOnly"}
    }
    return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") else out


def check(doc: dict[str, Any], path: str, method: str, response: Any) -> None:
    spec = doc["paths"][path][method]["responses"][str(response.status_code)]
    schema = _jsonschema(spec["content"]["application/json"]["schema"])
    resolver_doc = {"components": _jsonschema(doc["components"])}
    jsonschema.validate(response.json(), {**schema, **resolver_doc})


def test_list_filter_and_schema(
    api_client_for: Any, compliance: Any, hits: Any, document: Any
) -> None:
    api = api_client_for(compliance)
    response = api.get(HITS, {"status": "open", "q": "sharma"})
    assert response.status_code == 200
    names = [h["entry_name"] for h in response.json()["results"]]
    assert names == ["Aadhya Sharma"]
    check(document, "/api/v1/screening/hits/", "get", response)
    detail = api.get(f"{HITS}{hits[0].pk}/")
    assert detail.json()["reasons"][-1].startswith("Score")
    check(document, "/api/v1/screening/hits/{id}/", "get", detail)
    assert api.get(HITS, {"sort": "-score"}).status_code == 200


def test_confirm_and_dismiss(
    api_client_for: Any, compliance: Any, hits: Any, document: Any
) -> None:
    api = api_client_for(compliance)
    url = f"{HITS}{hits[0].pk}/confirm/"
    bad = api.post(url, {"reason": "short"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "reason_required" and "reason" in bad.json()["errors"]
    missing = api.post(url, {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["errors"]
    ok = api.post(url, {"reason": "Same DOB, same city"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "confirmed"
    check(document, "/api/v1/screening/hits/{id}/confirm/", "post", ok)
    again = api.post(url, {"reason": "Same DOB, same city"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "invalid_transition"
    dismissed = api.post(
        f"{HITS}{hits[0].pk}/dismiss/", {"reason": "Passport differs"}, format="json"
    )
    assert dismissed.json()["status"] == "dismissed"


def test_risk_profile_and_override(
    api_client_for: Any, compliance: Any, hits: Any, document: Any
) -> None:
    api = api_client_for(compliance)
    customer = hits[0].customer
    url = f"/api/v1/risk-profiles/{customer.pk}/"
    response = api.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["level"] == "low" and {f["name"] for f in body["factors"]} >= {"country"}
    check(document, "/api/v1/risk-profiles/{customer_id}/", "get", response)
    bad = api.post(f"{url}override/", {"level": "severe", "reason": "x"}, format="json")
    assert bad.status_code == 400 and "level" in bad.json()["errors"]
    ok = api.post(
        f"{url}override/", {"level": "high", "reason": "Adverse media report"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["level"] == "high"
    assert ok.json()["computed_level"] == "low"
    check(document, "/api/v1/risk-profiles/{customer_id}/override/", "post", ok)
    assert AuditEvent.objects.filter(object_type="screening.riskprofile").exists()
    assert api.get("/api/v1/risk-profiles/999999/").status_code == 404


def test_list_versions(api_client_for: Any, compliance: Any, pep_list: Any, document: Any) -> None:
    response = api_client_for(compliance).get("/api/v1/screening/lists/", {"current": "true"})
    assert response.status_code == 200
    (version,) = response.json()["results"]
    assert (version["source"], version["number"], version["entry_count"]) == ("pep", 1, 3)
    check(document, "/api/v1/screening/lists/", "get", response)


def test_access(api_client_for: Any, users_by_role: Any, hits: Any) -> None:
    hit = hits[0]
    customer = hit.customer
    for role in ("sales", "support"):
        api = api_client_for(users_by_role[role])
        assert api.get(HITS).status_code == 403
        assert api.get(f"/api/v1/risk-profiles/{customer.pk}/").status_code == 403
    manager = api_client_for(users_by_role["manager"])
    assert manager.get(HITS).status_code == 200
    assert (
        manager.post(f"{HITS}{hit.pk}/dismiss/", {"reason": "Not the same person"}).status_code
        == 403
    )
    override = f"/api/v1/risk-profiles/{customer.pk}/override/"
    assert (
        manager.post(override, {"level": "high", "reason": "Because of reasons"}).status_code == 403
    )
    assert api_client_for(None).get(HITS).status_code in (401, 403)


def test_api_list_query_count(
    api_client_for: Any,
    compliance: Any,
    register: Any,
    pep_list: Any,
    django_assert_max_num_queries: Any,
) -> None:
    api = api_client_for(compliance, token=True)
    for last in ("Sharma", "Sharma", "Sharma"):
        register("Aadhya", last)
    api.get(HITS)
    with django_assert_max_num_queries(3):  # token + user, role access, one page of hits
        assert len(api.get(HITS).json()["results"]) == 3
