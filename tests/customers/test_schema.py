"""The OpenAPI document at /api/schema/, and API responses checked against it."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from drf_spectacular.validation import validate_schema
from factories import make_customer, unique_identifiers, valid_customer_data

from clientdesk.customers.models import Customer

pytestmark = pytest.mark.django_db

_IGNORED = {"nullable", "example", "readOnly", "writeOnly", "deprecated", "externalDocs"}


@pytest.fixture(scope="module")
def document(django_db_setup: Any, django_db_blocker: Any) -> dict[str, Any]:
    """The schema, fetched once per module (generating it is the slow part)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    with django_db_blocker.unblock():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


def to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 schema objects -> JSON Schema (``nullable`` becomes a null alternative)."""
    if isinstance(node, list):
        return [to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        out: dict[str, Any] = {"$ref": node["$ref"]}
    else:
        out = {k: to_jsonschema(v) for k, v in node.items() if k not in _IGNORED}
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def validate_response(doc: dict[str, Any], path: str, method: str, response: Any) -> None:
    """The response body matches what the document promises for this path and status."""
    responses = doc["paths"][path][method]["responses"]
    spec = responses.get(str(response.status_code))
    assert spec is not None, f"{method.upper()} {path} {response.status_code} is not documented"
    schema = spec["content"]["application/json"]["schema"]
    root = {
        "allOf": [to_jsonschema(schema)],
        "components": {"schemas": to_jsonschema(doc["components"]["schemas"])},
    }
    jsonschema.Draft202012Validator(root).validate(response.json())


def test_schema_is_valid_openapi(document: dict[str, Any]) -> None:
    validate_schema(document)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "ClientDesk API"


def test_schema_describes_the_customer_api(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/customers/"])
    assert {"get", "patch"} <= set(paths["/api/v1/customers/{id}/"])
    assert "put" not in paths["/api/v1/customers/{id}/"]
    assert "post" in paths["/api/v1/customers/{id}/status/"]
    assert "post" in paths["/api/v1/customers/{id}/reveal/"]
    params = {p["name"] for p in paths["/api/v1/customers/"]["get"]["parameters"]}
    assert {"q", "status", "sort", "cursor", "page_size", "city"} <= params
    assert "tokenAuth" in document["components"]["securitySchemes"]


def test_masked_fields_are_documented_as_strings(document: dict[str, Any]) -> None:
    customer = document["components"]["schemas"]["Customer"]["properties"]
    for field in ("pan", "aadhaar", "date_of_birth", "id_number", "bank_account_number"):
        assert customer[field]["type"] == "string"


def test_schema_and_docs_need_a_login(client: Any) -> None:
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)


def test_schema_as_yaml(client: Any, manager: Any) -> None:
    client.force_login(manager)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"/api/v1/customers/" in response.content


def test_docs_page_serves_local_assets(client: Any, manager: Any) -> None:
    client.force_login(manager)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html


# --- responses match the document --------------------------------------------------------


def test_list_and_detail_match(
    document: dict[str, Any], api_client_for: Any, admin_user: Any, customer: Customer
) -> None:
    client = api_client_for(admin_user)
    make_customer(actor=admin_user)
    listing = client.get("/api/v1/customers/?page_size=1")
    validate_response(document, "/api/v1/customers/", "get", listing)
    assert listing.json()["next"]
    detail = client.get(f"/api/v1/customers/{customer.pk}/")
    validate_response(document, "/api/v1/customers/{id}/", "get", detail)


def test_create_update_status_reveal_match(
    document: dict[str, Any], api_client_for: Any, admin_user: Any
) -> None:
    client = api_client_for(admin_user)
    body = valid_customer_data() | unique_identifiers(600_001)
    body["date_of_birth"] = "1990-01-01"
    created = client.post("/api/v1/customers/", body, format="json")
    assert created.status_code == 201
    validate_response(document, "/api/v1/customers/", "post", created)
    pk = created.json()["id"]

    patched = client.patch(f"/api/v1/customers/{pk}/", {"city": "Pune"}, format="json")
    validate_response(document, "/api/v1/customers/{id}/", "patch", patched)

    status = client.post(
        f"/api/v1/customers/{pk}/status/", {"status": "active", "reason": "ok"}, format="json"
    )
    validate_response(document, "/api/v1/customers/{id}/status/", "post", status)

    revealed = client.post(f"/api/v1/customers/{pk}/reveal/", {"field": "pan"}, format="json")
    validate_response(document, "/api/v1/customers/{id}/reveal/", "post", revealed)


def test_request_bodies_are_documented(document: dict[str, Any]) -> None:
    """What a client sends for create is the documented request shape."""
    body = document["paths"]["/api/v1/customers/"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    root = {
        "allOf": [to_jsonschema(schema)],
        "components": {"schemas": to_jsonschema(document["components"]["schemas"])},
    }
    sample = valid_customer_data()
    sample["date_of_birth"] = "1990-01-01"
    jsonschema.Draft202012Validator(root).validate(sample)
