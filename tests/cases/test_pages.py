"""Pages and API of cases: the journey through the views, query pins, outputs audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clientdesk.cases import services
from clientdesk.cases.models import Case
from clientdesk.core.models import AuditEvent

from .conftest import add_tx, make_alert

pytestmark = pytest.mark.django_db


def _case(officer, subject, admin_user, n=3):
    txs = [add_tx(admin_user, subject, "1000", timezone.now()) for _ in range(n)]
    return services.open_case_for_alert(make_alert(subject, txs=txs), actor=officer)


def test_open_from_alert_and_customer_pages(client_for, officer, subject):
    client = client_for(officer)
    alert = make_alert(subject)
    page = client.get(reverse("transactions:alert", args=[alert.pk]))
    assert reverse("cases:open", args=["alert", alert.pk]).encode() in page.content
    response = client.post(reverse("cases:open", args=["alert", alert.pk]))
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    client.post(reverse("cases:open", args=["customer", subject.pk]))
    assert Case.objects.count() == 1  # merged into the open case


def test_customer_page_shows_the_button_only_to_case_writers(client_for, officer, manager, subject):
    url = reverse("customers:detail", args=[subject.pk])
    assert b'data-testid="open-case"' in client_for(officer).get(url).content
    assert b'data-testid="open-case"' not in client_for(manager).get(url).content


def test_list_query_count_is_pinned(
    client_for, officer, subject, admin_user, django_assert_num_queries
):
    for _ in range(3):
        case = _case(officer, subject, admin_user, n=1)
        services.close_case(case, actor=officer, outcome="no_action", conclusion="ok")
    client = client_for(officer)
    client.get(reverse("cases:list") + "?open=false")
    with django_assert_num_queries(8):
        response = client.get(reverse("cases:list") + "?open=false")
    assert response.status_code == 200 and b"CASE-" in response.content


def test_detail_query_count_is_pinned(
    client_for, officer, subject, admin_user, django_assert_num_queries
):
    case = _case(officer, subject, admin_user, n=5)
    services.add_note(case, actor=officer, body="Checked the branch CCTV")
    client = client_for(officer)
    client.get(reverse("cases:detail", args=[case.pk]))
    # session, user, access, case, alerts, hits, transactions, STR, events, officers,
    # the sidebar's task and notification counts, the user's role (header)
    with django_assert_num_queries(13):
        response = client.get(reverse("cases:detail", args=[case.pk]))
    assert b"Checked the branch CCTV" in response.content
    assert response.content.count(b'class="muted text-sm mono"') == 5  # the five transactions
    assert b'data-testid="sla-badge"' in response.content


def test_str_outputs_are_audited_and_pdf_renders(client_for, officer, subject, admin_user):
    case = _case(officer, subject, admin_user)
    report = services.prepare_str(
        case, actor=officer, grounds="Cash in, card out", concluded_on=dt.date(2026, 12, 7)
    )
    client = client_for(officer)
    page = client.get(reverse("cases:str", args=[report.pk]))
    assert page.status_code == 200 and b'data-testid="deadline"' in page.content
    xml = client.get(reverse("cases:str_xml", args=[report.pk]))
    assert (
        xml["Content-Type"] == "application/xml"
        and b"<report_code>STR</report_code>" in xml.content
    )
    pdf = client.get(reverse("cases:str_pdf", args=[report.pk]))
    assert pdf.content.startswith(b"%PDF")
    actions = set(
        AuditEvent.objects.filter(object_id=str(report.pk)).values_list("action", flat=True)
    )
    assert {"download_xml", "download_pdf"} <= actions


def test_str_approval_by_the_preparer_is_refused_on_the_page(
    client_for, officer, officer2, subject, admin_user
):
    case = _case(officer, subject, admin_user)
    report = services.prepare_str(case, actor=officer, grounds="g")
    client_for(officer).post(reverse("cases:str_action", args=[report.pk, "approve"]))
    report.refresh_from_db()
    assert report.status == "draft"
    client_for(officer2).post(reverse("cases:str_action", args=[report.pk, "approve"]))
    report.refresh_from_db()
    assert report.status == "approved"


def test_ctr_page_computes_and_exports(client_for, officer, subject, admin_user):
    add_tx(admin_user, subject, "1500000", timezone.now() - dt.timedelta(days=1))
    month = timezone.localdate() - dt.timedelta(days=1)
    client = client_for(officer)
    client.post(reverse("cases:ctr"), {"month": f"{month:%Y-%m}"})
    page = client.get(reverse("cases:ctr") + f"?month={month:%Y-%m}")
    assert subject.client_id.encode() in page.content
    assert client.get(reverse("cases:ctr_pdf") + f"?month={month:%Y-%m}").content.startswith(
        b"%PDF"
    )


def test_api_lists_cases_with_the_page_filters(
    api_client_for, officer, manager, subject, admin_user
):
    case = _case(officer, subject, admin_user, n=1)
    api = api_client_for(officer)
    data = api.get("/api/v1/cases/", {"open": "true"}).json()
    assert [row["number"] for row in data["results"]] == [case.number]
    assert api.get("/api/v1/cases/", {"customer": "abc"}).status_code == 400
    assert api.get(f"/api/v1/cases/{case.pk}/").json()["events"]
    assert api_client_for(manager).get("/api/v1/cases/").status_code == 403
