"""Four eyes: neither the user who registered the customer nor the uploader may decide on
a document; roles without Compliance "Read & Write" may not decide at all."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from clientdesk.kyc import services
from clientdesk.kyc.models import Document

pytestmark = pytest.mark.django_db


def test_registrar_cannot_decide(ready_for_review: dict, admin_user: Any) -> None:
    # admin_user registered the customer (and has Compliance "Read & Write")
    with pytest.raises(PermissionDenied, match="you registered this customer"):
        services.decide_document(ready_for_review["passport"], actor=admin_user, decision="approve")
    assert Document.objects.get(pk=ready_for_review["passport"].pk).review_status == "pending"


def test_uploader_cannot_decide(asha: Any, compliance: Any, upload: Any) -> None:
    document = upload(asha, compliance, "id_proof")
    with pytest.raises(PermissionDenied, match="you uploaded this document"):
        services.decide_document(document, actor=compliance, decision="approve")
    with pytest.raises(PermissionDenied):
        services.decide_document(
            document, actor=compliance, decision="reject", reason_code="blurry"
        )


def test_another_officer_can_decide(asha: Any, compliance: Any, officer2: Any, upload: Any) -> None:
    document = upload(asha, compliance, "id_proof")
    services.decide_document(document, actor=officer2, decision="approve")
    document.refresh_from_db()
    assert document.review_status == "approved" and document.reviewed_by == officer2


@pytest.mark.parametrize("role", ["sales", "support", "manager"])
def test_roles_without_compliance_write_cannot_decide(
    ready_for_review: dict, user_factory: Any, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.decide_document(
            ready_for_review["passport"], actor=user_factory(role), decision="approve"
        )


def test_api_answers_403_with_the_reason(
    ready_for_review: dict, admin_user: Any, api_client_for: Any
) -> None:
    url = reverse("kyc-document-decision", args=[ready_for_review["passport"].pk])
    response = api_client_for(admin_user).post(url, {"decision": "approve"}, format="json")
    assert response.status_code == 403
    assert "registered this customer" in response.json()["detail"]


def test_review_page_explains_four_eyes(
    asha: Any, compliance: Any, upload: Any, client_for: Any
) -> None:
    document = upload(asha, compliance, "id_proof")
    page = client_for(compliance).get(reverse("kyc:review", args=[asha.pk]) + f"?doc={document.pk}")
    assert page.status_code == 200
    assert b'data-testid="four-eyes"' in page.content
    assert b'data-testid="decision-form"' not in page.content
    response = client_for(compliance).post(
        reverse("kyc:decide", args=[document.pk]), {"decision": "approve"}, follow=True
    )
    assert "you uploaded this document" in response.content.decode()
    document.refresh_from_db()
    assert document.review_status == "pending"
