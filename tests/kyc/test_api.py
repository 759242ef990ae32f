"""The KYC API: multipart upload and list, a document with its checks, download, decisions,
the KYC status and the queue; responses checked against the OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from clientdesk.core.models import AuditEvent
from clientdesk.kyc.models import Document

from . import makedocs
from .conftest import stored_files, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_setup: Any, django_db_blocker: Any) -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    with django_db_blocker.unblock():
        generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


def documented(schema: dict, path: str, method: str, status: int) -> None:
    assert str(status) in schema["paths"][path][method]["responses"], (path, method, status)


def test_schema_has_the_kyc_paths(schema: dict) -> None:
    paths = schema["paths"]
    for path in (
        "/api/v1/customers/{customer_pk}/documents/",
        "/api/v1/customers/{customer_pk}/kyc/",
        "/api/v1/kyc/documents/{id}/",
        "/api/v1/kyc/documents/{id}/checks/",
        "/api/v1/kyc/documents/{id}/download/",
        "/api/v1/kyc/documents/{id}/decision/",
        "/api/v1/kyc/queue/",
    ):
        assert path in paths, path
    upload = paths["/api/v1/customers/{customer_pk}/documents/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]


def test_upload_and_list(
    asha: Any,
    sales_user: Any,
    api_client_for: Any,
    schema: dict,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = api_client_for(sales_user, token=True)
    url = reverse("customer-documents", args=[asha.pk])
    with django_capture_on_commit_callbacks(execute=True):
        body = {"file": upload_file("passport.jpg", makedocs.passport_page()), "kind": "id_proof"}
        response = client.post(url, body, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "id_proof" and body["original_name"] == "passport.jpg"
    assert body["check_outcome"] == "pending"  # the task runs after the response is built
    documented(schema, "/api/v1/customers/{customer_pk}/documents/", "post", 201)
    listed = client.get(url).json()
    assert [d["id"] for d in listed] == [body["id"]]
    assert listed[0]["check_outcome"] == "passed" and listed[0]["checks"]
    assert client.get(url, {"kind": "address_proof"}).json() == []


def test_bad_file_answers_400_with_field_and_code(
    asha: Any, sales_user: Any, api_client_for: Any, media: Any
) -> None:
    response = api_client_for(sales_user).post(
        reverse("customer-documents", args=[asha.pk]),
        {"file": upload_file("evil.jpg", makedocs.EXECUTABLE), "kind": "id_proof"},
        format="multipart",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unsupported_type" and "file" in body["errors"]
    assert stored_files(media) == [] and not Document.objects.exists()


def test_missing_kind_is_400(asha: Any, sales_user: Any, api_client_for: Any) -> None:
    response = api_client_for(sales_user).post(
        reverse("customer-documents", args=[asha.pk]),
        {"file": upload_file("p.jpg", makedocs.passport_page())},
        format="multipart",
    )
    assert response.status_code == 400 and "kind" in response.json()["errors"]


def test_other_sales_user_gets_403(asha: Any, sales_user2: Any, api_client_for: Any) -> None:
    response = api_client_for(sales_user2).post(
        reverse("customer-documents", args=[asha.pk]),
        {"file": upload_file("p.jpg", makedocs.passport_page()), "kind": "id_proof"},
        format="multipart",
    )
    assert response.status_code == 403


def test_detail_checks_download(
    ready_for_review: dict, compliance: Any, api_client_for: Any, schema: dict
) -> None:
    client = api_client_for(compliance)
    passport = ready_for_review["passport"]
    detail = client.get(reverse("kyc-document-detail", args=[passport.pk]))
    assert detail.status_code == 200
    body = detail.json()
    assert body["review_status"] == "pending" and body["sha256"] == passport.sha256
    assert body["download_url"] == reverse("kyc-document-download", args=[passport.pk])
    checks = client.get(reverse("kyc-document-checks", args=[passport.pk])).json()
    assert {c["code"] for c in checks} >= {"mrz_check_digits", "ocr_name"}
    assert all(c["status"] in ("pass", "warning", "fail") and c["detail"] for c in checks)
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"\xff\xd8\xff")
    assert download["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(object_type="kyc.document", action="export").count() == 1


def test_decision_and_kyc_status(
    ready_for_review: dict,
    compliance: Any,
    api_client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = api_client_for(compliance)
    customer = ready_for_review["customer"]
    for key in ("passport", "bill"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("kyc-document-decision", args=[ready_for_review[key].pk]),
                {"decision": "approve"}, format="json",
            )  # fmt: skip
        assert response.status_code == 200, response.content
        assert response.json()["review_status"] == "approved"
    summary = client.get(reverse("customer-kyc", args=[customer.pk])).json()
    assert summary["kyc_status"] == "approved"
    assert [r["review_status"] for r in summary["documents"]] == ["approved", "approved"]
    assert summary["history"][0]["to_status"] == "approved"


def test_decision_errors_are_field_named(
    ready_for_review: dict, compliance: Any, api_client_for: Any
) -> None:
    response = api_client_for(compliance).post(
        reverse("kyc-document-decision", args=[ready_for_review["passport"].pk]),
        {"decision": "reject"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "required",
        "errors": {"reason_code": [response.json()["errors"]["reason_code"][0]]},
    }


def test_queue_lists_waiting_customers(
    ready_for_review: dict, compliance: Any, manager: Any, sales_user: Any, api_client_for: Any
) -> None:
    url = reverse("kyc-queue-list")
    rows = api_client_for(compliance).get(url).json()["results"]
    assert rows[0]["client_id"] == ready_for_review["customer"].client_id
    assert rows[0]["waiting"] == 2 and rows[0]["worst_check"] == "passed"
    assert api_client_for(manager).get(url).status_code == 200  # Compliance "Read"
    assert api_client_for(sales_user).get(url).status_code == 403
