"""/api/v1/privacy-requests/ and /api/v1/privacy-breaches/: the same rules as the pages."""

from __future__ import annotations

from typing import Any

import pytest
from factories import make_customer

from clientdesk.privacy.models import DataRequest

pytestmark = pytest.mark.django_db


def test_request_life_through_the_api(api_client_for: Any, dpo: Any) -> None:
    customer = make_customer()
    api = api_client_for(dpo)
    created = api.post(
        "/api/v1/privacy-requests/",
        {"kind": "erasure", "regime": "gdpr", "customer": customer.pk, "requester_name": "Self"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["number"].startswith("DPR-") and body["status"] == "received"
    pk = body["id"]
    early = api.post(f"/api/v1/privacy-requests/{pk}/status/", {"status": "in_progress"})
    assert early.status_code == 400
    verified = api.post(f"/api/v1/privacy-requests/{pk}/verify/", {"method": "otp"})
    assert verified.json()["status"] == "verified"
    held = api.post(
        f"/api/v1/privacy-requests/{pk}/status/", {"status": "completed", "response": "ok"}
    )
    assert held.status_code == 400 and "still active" in str(held.json())
    refused = api.post(
        f"/api/v1/privacy-requests/{pk}/status/",
        {"status": "refused", "response": "Kept under PMLA while the account is open."},
    )
    assert refused.json()["status"] == "refused"
    listed = api.get("/api/v1/privacy-requests/", {"kind": "erasure", "status": "refused"})
    assert [r["id"] for r in listed.json()["results"]] == [pk]


def test_bad_ids_and_roles(api_client_for: Any, dpo: Any, sales_user: Any) -> None:
    api = api_client_for(dpo)
    bad = api.post(
        "/api/v1/privacy-requests/",
        {"kind": "access", "regime": "gdpr", "customer": 10**20, "requester_name": "x"},
        format="json",
    )
    assert bad.status_code == 400
    missing = api.post(
        "/api/v1/privacy-requests/",
        {"kind": "access", "regime": "gdpr", "customer": 999999, "requester_name": "x"},
        format="json",
    )
    assert missing.status_code == 400 and not DataRequest.objects.exists()
    assert api.get("/api/v1/privacy-requests/", {"customer": 10**30}).status_code == 400
    assert api_client_for(sales_user).get("/api/v1/privacy-requests/").status_code == 403
    assert api.get("/api/v1/privacy-breaches/").status_code == 200
