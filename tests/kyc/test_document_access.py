"""ID documents: only roles that may see identifiers open their files (pages and API);
the others see that they exist, their kind, checks and status, and Sales still uploads."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from clientdesk.core.models import AuditEvent
from clientdesk.kyc.access import may_open
from clientdesk.kyc.models import Document

from . import makedocs
from .conftest import upload_file

pytestmark = pytest.mark.django_db


def _file_urls(document: Any) -> list[str]:
    urls = [reverse("kyc:download", args=[document.pk])]
    if document.is_pdf:
        urls.append(reverse("kyc:page", args=[document.pk, 1]))
    else:
        urls.append(reverse("kyc:preview", args=[document.pk]))
    return urls


def _opened() -> int:
    return AuditEvent.objects.filter(object_type="kyc.document", action="export").count()


@pytest.mark.parametrize("role", ["sales", "support", "manager"])
def test_roles_without_identifiers_cannot_open_id_proofs(
    role: str, ready_for_review: dict, users_by_role: dict, client_for: Any, api_client_for: Any
) -> None:
    user, passport = users_by_role[role], ready_for_review["passport"]
    client = client_for(user)
    for url in _file_urls(passport):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"\xff\xd8\xff" not in response.content
    api = api_client_for(user)
    assert api.get(reverse("kyc-document-download", args=[passport.pk])).status_code == 403
    detail = api.get(reverse("kyc-document-detail", args=[passport.pk])).json()
    assert detail["download_url"] is None
    assert detail["kind"] == "id_proof" and detail["check_outcome"] and detail["review_status"]
    assert _opened() == 0  # nothing was handed out, so nothing to audit


@pytest.mark.parametrize("role", ["sales", "support"])
def test_other_kinds_stay_open_to_documents_readers(
    role: str, ready_for_review: dict, users_by_role: dict, client_for: Any
) -> None:
    bill = ready_for_review["bill"]
    client = client_for(users_by_role[role])
    for url in _file_urls(bill):
        assert client.get(url).status_code == 200, url
    assert _opened() == 2


@pytest.mark.parametrize("role", ["compliance", "admin"])
def test_roles_with_identifiers_open_id_proofs_audited(
    role: str, ready_for_review: dict, users_by_role: dict, client_for: Any, api_client_for: Any
) -> None:
    user, passport = users_by_role[role], ready_for_review["passport"]
    for url in _file_urls(passport):
        assert client_for(user).get(url).status_code == 200, url
    detail = api_client_for(user).get(reverse("kyc-document-detail", args=[passport.pk])).json()
    assert detail["download_url"] == reverse("kyc-document-download", args=[passport.pk])
    assert api_client_for(user).get(detail["download_url"]).status_code == 200
    assert _opened() == 3


def test_the_flag_decides_not_the_role_name(
    ready_for_review: dict, sales_user: Any, roles: dict
) -> None:
    passport = ready_for_review["passport"]
    assert not may_open(sales_user, passport)
    roles["sales"].can_view_sensitive = True
    roles["sales"].save()
    sales_user.refresh_from_db()
    assert may_open(sales_user, passport)


def test_sales_documents_tab_shows_existence_not_the_file(
    ready_for_review: dict, sales_user: Any, client_for: Any
) -> None:
    customer, passport, bill = (ready_for_review[k] for k in ("customer", "passport", "bill"))
    html = client_for(sales_user).get(f"/customers/{customer.pk}/documents/").content.decode()
    assert f'id="document-{passport.pk}"' in html and "ID proof" in html
    assert reverse("kyc:download", args=[passport.pk]) not in html
    assert 'data-testid="file-restricted"' in html
    assert reverse("kyc:download", args=[bill.pk]) in html  # a bill shows no identifier
    assert 'data-testid="upload-form"' in html  # Sales still uploads


def test_manager_review_page_hides_the_viewer(
    ready_for_review: dict, manager: Any, client_for: Any
) -> None:
    customer, passport = ready_for_review["customer"], ready_for_review["passport"]
    url = reverse("kyc:review", args=[customer.pk]) + f"?doc={passport.pk}"
    html = client_for(manager).get(url).content.decode()
    assert reverse("kyc:preview", args=[passport.pk]) not in html
    assert reverse("kyc:download", args=[passport.pk]) not in html
    assert 'data-testid="file-restricted"' in html


def test_sales_still_uploads_id_proofs_page_and_api(
    asha: Any, sales_user: Any, client_for: Any, api_client_for: Any
) -> None:
    response = client_for(sales_user).post(
        reverse("kyc:upload", args=[asha.pk]),
        {"kind": "id_proof", "file": upload_file("passport.jpg", makedocs.passport_page())},
    )
    assert response.status_code == 302
    created = api_client_for(sales_user).post(
        reverse("customer-documents", args=[asha.pk]),
        {"file": upload_file("p2.jpg", makedocs.passport_page()), "kind": "id_proof"},
        format="multipart",
    )
    assert created.status_code == 201, created.content
    assert created.json()["download_url"] is None
    assert Document.objects.filter(customer=asha).count() == 2
