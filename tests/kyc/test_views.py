"""KYC pages: the Documents tab, uploads from the page, the bytes behind permission checks,
the review queue and page, decisions, the overview, the sidebar entry; query counts pinned."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from factories import make_customer, profile_tab_counts

from clientdesk.core.models import AuditEvent
from clientdesk.kyc.models import Document

from . import makedocs
from .conftest import upload_file

pytestmark = pytest.mark.django_db

# Pinned query counts (SQLite and PostgreSQL alike); a rise means an N+1 crept in. The tab
# also carries one count per visible profile tab with a count (factories.profile_tab_counts).
# The status dialog of a Pending customer asks the activation check which options can
# succeed (one query for the approved documents; tests/kyc switch the KYC requirement on).
TAB_QUERIES = 11
QUEUE_QUERIES = 7
REVIEW_QUERIES = 10


def test_documents_tab_shows_documents_and_checks(
    ready_for_review: dict, sales_user: Any, client_for: Any
) -> None:
    customer = ready_for_review["customer"]
    response = client_for(sales_user).get(reverse("customers:tab", args=[customer.pk, "documents"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="upload-form"' in html and "data-dropzone" in html
    assert html.count('data-testid="document"') == 2
    assert "MRZ check digits" in html and "bill.pdf" in html
    assert "In review" in html
    assert "Review documents" not in html  # Sales has no Compliance access


def test_tab_has_no_upload_for_support(
    ready_for_review: dict, support_user: Any, client_for: Any
) -> None:
    customer = ready_for_review["customer"]
    html = (
        client_for(support_user)
        .get(reverse("customers:tab", args=[customer.pk, "documents"]))
        .content.decode()
    )
    assert 'data-testid="upload-form"' not in html and "passport.jpg" in html


def test_upload_several_files_from_the_page(
    asha: Any, sales_user: Any, client_for: Any, media: Any
) -> None:
    response = client_for(sales_user).post(
        reverse("kyc:upload", args=[asha.pk]),
        {
            "kind": "address_proof",
            "file": [
                upload_file("bill.pdf", makedocs.utility_bill()),
                upload_file("bill-page-2.png", makedocs.id_card()),
                upload_file("virus.pdf", makedocs.EXECUTABLE),
            ],
        },
        follow=True,
    )
    html = response.content.decode()
    assert "2 documents uploaded" in html
    assert "virus.pdf" in html and "Windows program" in html
    assert Document.objects.filter(customer=asha).count() == 2


def test_upload_without_kind_says_so(asha: Any, sales_user: Any, client_for: Any) -> None:
    response = client_for(sales_user).post(
        reverse("kyc:upload", args=[asha.pk]),
        {"file": upload_file("p.jpg", makedocs.passport_page())},
        follow=True,
    )
    assert "Choose the document type" in response.content.decode()
    assert not Document.objects.exists()


def test_download_preview_and_pages_are_protected_and_audited(
    ready_for_review: dict, compliance: Any, client_for: Any, user_factory: Any
) -> None:
    passport, bill = ready_for_review["passport"], ready_for_review["bill"]
    client = client_for(compliance)
    download = client.get(reverse("kyc:download", args=[passport.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    assert download["Content-Security-Policy"].startswith("default-src 'none'")
    preview = client.get(reverse("kyc:preview", args=[passport.pk]))
    assert preview.status_code == 200 and preview["Content-Type"] == "image/jpeg"
    page = client.get(reverse("kyc:page", args=[bill.pk, 1]))
    assert page.status_code == 200 and page.content.startswith(b"\x89PNG")
    assert client.get(reverse("kyc:page", args=[bill.pk, 9])).status_code == 404
    assert AuditEvent.objects.filter(object_type="kyc.document", action="export").count() == 3
    nobody = client_for(user_factory(None))
    assert nobody.get(reverse("kyc:download", args=[passport.pk])).status_code == 403
    assert client_for(None).get(reverse("kyc:download", args=[passport.pk])).status_code == 302


def test_media_url_serves_nothing(ready_for_review: dict, client_for: Any, compliance: Any) -> None:
    from django.conf import settings

    path = settings.MEDIA_URL + ready_for_review["passport"].file
    assert client_for(compliance).get(path).status_code == 404


def test_review_page_and_decision(ready_for_review: dict, compliance: Any, client_for: Any) -> None:
    customer, passport = ready_for_review["customer"], ready_for_review["passport"]
    client = client_for(compliance)
    page = client.get(reverse("kyc:review", args=[customer.pk]) + f"?doc={passport.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="decision-form"' in html and "data-viewer" in html
    assert reverse("kyc:preview", args=[passport.pk]) in html
    assert "J8369854" not in html  # masked
    response = client.post(
        reverse("kyc:decide", args=[passport.pk]),
        {"decision": "reject", "reason_code": "suspected_forgery", "comment": "Font differs"},
        follow=True,
    )
    assert "ID proof rejected. KYC is now rejected." in response.content.decode()
    passport.refresh_from_db()
    assert passport.reason_code == "suspected_forgery" and passport.reviewed_by == compliance


def test_pdf_review_pages_through(ready_for_review: dict, compliance: Any, client_for: Any) -> None:
    bill = ready_for_review["bill"]
    html = (
        client_for(compliance)
        .get(reverse("kyc:review", args=[bill.customer_id]) + f"?doc={bill.pk}&page=5")
        .content.decode()
    )
    assert "Page 1 of 1" in html and reverse("kyc:page", args=[bill.pk, 1]) in html


def test_manager_sees_review_but_cannot_decide(
    ready_for_review: dict, manager: Any, client_for: Any
) -> None:
    customer = ready_for_review["customer"]
    html = client_for(manager).get(reverse("kyc:review", args=[customer.pk])).content.decode()
    assert "cannot decide" in html or "not decide" in html
    denied = client_for(manager).post(
        reverse("kyc:decide", args=[ready_for_review["passport"].pk]), {"decision": "approve"}
    )
    assert denied.status_code == 403


def test_queue_orders_riskiest_then_oldest(
    ready_for_review: dict,
    admin_user: Any,
    sales_user: Any,
    compliance: Any,
    upload: Any,
    client_for: Any,
) -> None:
    from factories import make_customer

    from clientdesk.customers.models import Customer

    risky = make_customer(actor=admin_user, assigned_to=sales_user, first_name="Ravi")
    Customer.objects.filter(pk=risky.pk).update(risk_level="high", risk_score=80)
    upload(risky, sales_user, "other", name="card.png", data=makedocs.id_card(), checks=False)
    html = client_for(compliance).get(reverse("kyc:queue")).content.decode()
    assert html.index("Ravi") < html.index("Asha")
    oldest = client_for(compliance).get(reverse("kyc:queue"), {"sort": "waiting"}).content.decode()
    assert oldest.index("Asha") < oldest.index("Ravi")
    assert "High · 80" in html


def test_overview_counts(ready_for_review: dict, compliance: Any, client_for: Any) -> None:
    response = client_for(compliance).get(reverse("kyc:overview"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="in_review"' in html and "1 waiting" in html


def test_sidebar_entry_follows_access(compliance: Any, sales_user: Any, client_for: Any) -> None:
    assert "KYC review" in client_for(compliance).get(reverse("home")).content.decode()
    assert "KYC review" not in client_for(sales_user).get(reverse("home")).content.decode()
    assert client_for(sales_user).get(reverse("kyc:queue")).status_code == 403


def test_timeline_has_the_kyc_story(
    ready_for_review: dict, compliance: Any, decide: Any, client_for: Any
) -> None:
    decide(ready_for_review["passport"], actor=compliance, decision="approve")
    customer = ready_for_review["customer"]
    html = (
        client_for(compliance)
        .get(reverse("customers:tab", args=[customer.pk, "activities"]))
        .content.decode()
    )
    assert "ID proof uploaded" in html and "ID proof approved" in html
    assert "Automatic checks" in html


# --- query counts ------------------------------------------------------------------------


def _more_documents(customer: Any, actor: Any, upload: Any, n: int) -> None:
    for i in range(n):
        upload(
            customer, actor, "other", name=f"extra-{i}.png", data=makedocs.id_card(number=f"N{i}")
        )


def test_tab_query_count_is_pinned(
    ready_for_review: dict,
    sales_user: Any,
    upload: Any,
    client_for: Any,
    django_assert_num_queries: Any,
) -> None:
    customer = ready_for_review["customer"]
    client = client_for(sales_user)
    url = reverse("customers:tab", args=[customer.pk, "documents"])
    client.get(url)
    pinned = TAB_QUERIES + profile_tab_counts(sales_user)
    with django_assert_num_queries(pinned):
        client.get(url)
    _more_documents(customer, sales_user, upload, 2)
    with django_assert_num_queries(pinned):
        client.get(url)


def test_queue_query_count_is_pinned(
    ready_for_review: dict,
    admin_user: Any,
    sales_user: Any,
    compliance: Any,
    upload: Any,
    client_for: Any,
    django_assert_num_queries: Any,
) -> None:
    from factories import make_customer

    client = client_for(compliance)
    client.get(reverse("kyc:queue"))
    with django_assert_num_queries(QUEUE_QUERIES):
        client.get(reverse("kyc:queue"))
    for _ in range(3):
        other = make_customer(actor=admin_user, assigned_to=sales_user)
        upload(other, sales_user, "other", name="c.png", data=makedocs.id_card(), checks=False)
    with django_assert_num_queries(QUEUE_QUERIES):
        client.get(reverse("kyc:queue"))


def test_review_page_query_count_is_pinned(
    ready_for_review: dict,
    sales_user: Any,
    compliance: Any,
    upload: Any,
    client_for: Any,
    django_assert_num_queries: Any,
) -> None:
    customer = ready_for_review["customer"]
    client = client_for(compliance)
    url = reverse("kyc:review", args=[customer.pk])
    client.get(url)
    with django_assert_num_queries(REVIEW_QUERIES):
        client.get(url)
    _more_documents(customer, sales_user, upload, 2)
    with django_assert_num_queries(REVIEW_QUERIES):
        client.get(url)


def test_decision_post_reads_the_document_once(
    ready_for_review: dict, compliance: Any, client_for: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clientdesk.kyc.models import Document

    passport = ready_for_review["passport"]
    client = client_for(compliance)
    client.get(reverse("kyc:queue"))  # session and user loaded once
    table = Document._meta.db_table
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(reverse("kyc:decide", args=[passport.pk]), {"decision": "approve"})
    assert response.status_code == 302
    reads = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT")
        and f'FROM "{table}"' in q["sql"]
        and f'"{table}"."id" = {passport.pk}' in q["sql"]
    ]
    # the view's permission-checked read and the service's locked one; nothing after
    assert len(reads) == 2, reads
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in reads[1]


def test_after_a_decision_the_review_moves_to_the_next_waiting_document(
    ready_for_review: dict, compliance: Any, client_for: Any, admin_user: Any, sales_user: Any,
    upload: Any,
) -> None:  # fmt: skip
    customer, passport, bill = (ready_for_review[k] for k in ("customer", "passport", "bill"))
    client = client_for(compliance)
    first = client.post(reverse("kyc:decide", args=[passport.pk]), {"decision": "approve"})
    # the same customer's bill is still waiting: its review page, without ?doc= (oldest waiting)
    assert first["Location"] == reverse("kyc:review", args=[customer.pk])
    page = client.get(first["Location"])
    assert page.context["current"].pk == bill.pk
    assert "Next: this customer&#x27;s next document." in page.content.decode()
    other = make_customer(actor=admin_user, assigned_to=sales_user, first_name="Ravi")
    upload(other, sales_user, "id_proof")
    second = client.post(reverse("kyc:decide", args=[bill.pk]), {"decision": "approve"})
    assert second["Location"] == reverse("kyc:review", args=[other.pk])
    assert "Next in the queue: Ravi" in client.get(second["Location"]).content.decode()
    last = other.kyc_documents.get()
    third = client.post(reverse("kyc:decide", args=[last.pk]), {"decision": "approve"})
    assert third["Location"] == reverse("kyc:queue")
    assert "The review queue is empty." in client.get(third["Location"]).content.decode()
