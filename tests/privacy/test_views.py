"""Pages: the register with its ageing, a request's life in the browser's forms, the
profile's consent tab, the breach register; query counts pinned."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from factories import make_customer

from clientdesk.privacy import services
from clientdesk.privacy.models import DataRequest, RequestStatus

pytestmark = pytest.mark.django_db


def _new(actor: Any, customer: Any, days_ago: int = 0, kind: str = "access") -> DataRequest:
    return services.create_request(
        actor=actor,
        data={"kind": kind, "regime": "gdpr", "customer": customer, "requester_name": "Self",
              "received_at": timezone.now() - dt.timedelta(days=days_ago)},
    )  # fmt: skip


def test_register_request_then_verify_then_complete(client_for: Any, dpo: Any) -> None:
    customer = make_customer()
    client = client_for(dpo)
    form = client.get(f"/privacy/new/?customer={customer.pk}")
    assert form.status_code == 200 and customer.client_id in form.content.decode()
    response = client.post(
        "/privacy/new/",
        {"kind": "correction", "regime": "dpdp", "client_id": customer.client_id,
         "requester_name": "Asha", "details": "Wrong address"},
    )  # fmt: skip
    req = DataRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/privacy/{req.pk}/"
    page = client.get(f"/privacy/{req.pk}/").content.decode()
    assert req.number in page and "Not verified" in page
    early = client.post(f"/privacy/{req.pk}/status/", {"status": "in_progress"})
    assert early.status_code == 400 and "Verify the requester" in early.content.decode()
    client.post(f"/privacy/{req.pk}/verify/", {"method": "in_person", "note": "Aadhaar card"})
    done = client.post(
        f"/privacy/{req.pk}/status/",
        {"status": "completed", "response": "Address corrected.", "evidence": "TKT-1"},
    )
    assert done.status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.COMPLETED and req.response == "Address corrected."


def test_create_form_names_bad_input(client_for: Any, dpo: Any) -> None:
    response = client_for(dpo).post(
        "/privacy/new/", {"kind": "access", "regime": "gdpr", "client_id": "CL-NOPE",
                          "requester_name": "X"},
    )  # fmt: skip
    assert response.status_code == 400 and "No customer with Client ID" in response.content.decode()
    assert not DataRequest.objects.exists()


def test_erasure_page_shows_the_legal_reason(client_for: Any, dpo: Any) -> None:
    customer = make_customer(status="active")
    req = _new(dpo, customer, kind="erasure")
    page = client_for(dpo).get(f"/privacy/{req.pk}/").content.decode()
    assert 'data-testid="legal-holds"' in page and "still active" in page


def test_list_ageing_and_query_count(
    client_for: Any, dpo: Any, django_assert_num_queries: Any
) -> None:
    customers = [make_customer() for _ in range(3)]
    _new(dpo, customers[0], days_ago=40)  # overdue under GDPR's 30 days
    _new(dpo, customers[1], days_ago=25)  # due within the week
    _new(dpo, customers[2], days_ago=1)
    client = client_for(dpo)
    response = client.get("/privacy/")
    ageing = {b["slug"]: b["count"] for b in response.context["ageing"]}
    assert ageing == {"overdue": 1, "week": 1, "later": 1}
    assert client.get("/privacy/?overdue=true").context["table"].rows.__len__() == 1
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get("/privacy/").status_code == 200
    for c in customers * 5:
        _new(dpo, c)
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get("/privacy/").status_code == 200


# session, user, role access, ageing, count, the page (customer and lead joined), nav badge,
# unread notifications: the same for 3 requests as for 18.
LIST_QUERIES = 8


def test_detail_query_count(client_for: Any, dpo: Any, django_assert_num_queries: Any) -> None:
    req = _new(dpo, make_customer())
    client = client_for(dpo)
    client.get(f"/privacy/{req.pk}/")
    with django_assert_num_queries(DETAIL_QUERIES):
        assert client.get(f"/privacy/{req.pk}/").status_code == 200


# session, user, role access, role, the request (customer and lead joined), its exports,
# nav badge,
# unread notifications.
DETAIL_QUERIES = 8


def test_dashboard_card_only_for_privacy_roles(client_for: Any, dpo: Any, sales_user: Any) -> None:
    _new(dpo, make_customer(), days_ago=40)
    cards = {s.card.slug: s.value for s in client_for(dpo).get("/").context["cards"]}
    assert cards["privacy_due"] == 1
    sales = {s.card.slug for s in client_for(sales_user).get("/").context["cards"]}
    assert "privacy_due" not in sales


def test_consent_tab_records_and_shows_history(client_for: Any, dpo: Any) -> None:
    customer = make_customer()
    client = client_for(dpo)
    response = client.post(
        f"/privacy/consent/{customer.pk}/",
        {"purpose": "marketing_sms", "granted": "1", "notice_version": "v2", "source": "branch"},
    )
    assert response.status_code == 302
    client.post(
        f"/privacy/consent/{customer.pk}/",
        {"purpose": "marketing_sms", "granted": "0", "notice_version": "v2", "source": "call"},
    )
    tab = client.get(f"/customers/{customer.pk}/privacy/").content.decode()
    assert 'data-testid="consent-history"' in tab and "Withdrawn" in tab and "Given" in tab


def test_profile_tab_is_hidden_from_roles_without_privacy(client_for: Any, sales_user: Any) -> None:
    customer = make_customer()
    tabs = [
        t.slug for t, _ in client_for(sales_user).get(f"/customers/{customer.pk}/").context["tabs"]
    ]
    assert "privacy" not in tabs


def test_breach_pages(client_for: Any, dpo: Any) -> None:
    make_customer(city="Pune")
    client = client_for(dpo)
    response = client.post(
        "/privacy/breaches/new/",
        {"title": "Mail merge", "description": "Wrong recipients", "detected_by": "Desk",
         "detected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
         "customer_filter": "city=Pune"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Affected customers (1)" in page and "72 h" in page
    assert "Mail merge" in client.get("/privacy/breaches/").content.decode()
