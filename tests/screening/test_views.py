"""Pages: the hit queue, hit detail and decision, list versions, the Risk tab; access and
pinned query counts (design rule 8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import profile_tab_counts

from clientdesk.customers.models import Customer
from clientdesk.screening.models import ScreeningHit

pytestmark = pytest.mark.django_db


@pytest.fixture
def hits(pep_list: Any, register: Any) -> list[ScreeningHit]:
    register("Aadhya", "Sharma")
    register("Muhammad", "Ali Khan", date_of_birth=dt.date(1970, 5, 1))
    return list(ScreeningHit.objects.order_by("id"))


def queries(client: Any, url: str) -> int:
    for _ in range(2):  # warm-up (per-process caches; the session settles)
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_queue_opens_on_open_hits(client_for: Any, compliance: Any, hits: Any) -> None:
    client = client_for(compliance)
    response = client.get("/screening/")
    assert response.status_code == 302 and response["Location"].endswith("?status=open")
    page = client.get("/screening/?status=open").content.decode()
    assert "Aadhya Sharma" in page and "Mohammed Ali Khan" in page
    filtered = client.get("/screening/?status=open&q=sharma").content.decode()
    assert "Aadhya Sharma" in filtered and "Mohammed Ali Khan" not in filtered
    assert client.get("/screening/?status=bogus").status_code == 200  # invalid: empty, no 500


def test_hit_detail_and_decision(client_for: Any, compliance: Any, hits: Any) -> None:
    client = client_for(compliance)
    hit = hits[0]
    page = client.get(f"/screening/hits/{hit.pk}/").content.decode()
    assert "Why this scored" in page and "Aadhya Sharma" in page and "Record decision" in page
    # Nationality next to the country: the screening's nationality factor compares it.
    side = page.split('data-testid="customer-nationality"')[1].split("</div></div>")[0]
    assert "Same as the country" in side
    Customer.objects.filter(pk=hit.customer_id).update(nationality="IN")
    page = client.get(f"/screening/hits/{hit.pk}/").content.decode()
    side = page.split('data-testid="customer-nationality"')[1].split("</div></div>")[0]
    assert side.endswith('field-value">IN')
    bad = client.post(f"/screening/hits/{hit.pk}/", {"status": "dismissed", "reason": "no"})
    assert bad.status_code == 400 and "at least 10 characters" in bad.content.decode()
    ok = client.post(
        f"/screening/hits/{hit.pk}/", {"status": "dismissed", "reason": "Different person, DOB"}
    )
    assert ok.status_code == 302
    hit.refresh_from_db()
    assert hit.status == "dismissed" and hit.decided_by == compliance


def test_risk_tab_and_override(client_for: Any, compliance: Any, hits: Any) -> None:
    client = client_for(compliance)
    customer = hits[0].customer
    page = client.get(f"/customers/{customer.pk}/risk/").content.decode()
    assert 'data-testid="risk-factors"' in page and "Next re-verification" in page
    assert "Aadhya Sharma" in page  # the open hit, in the screening history
    response = client.post(
        f"/screening/customers/{customer.pk}/override/", {"level": "high", "reason": "short"}
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.risk_level == "low"
    client.post(
        f"/screening/customers/{customer.pk}/override/",
        {"level": "high", "reason": "Adverse media, see case 42"},
    )
    customer.refresh_from_db()
    assert customer.risk_level == "high"


def test_list_versions_page(client_for: Any, compliance: Any, pep_list: Any) -> None:
    page = client_for(compliance).get("/screening/lists/").content.decode()
    assert "In-house PEP" in page and "v1" in page and "Current" in page


def test_manager_reads_but_cannot_decide(client_for: Any, manager: Any, hits: Any) -> None:
    client = client_for(manager)
    hit = hits[0]
    page = client.get(f"/screening/hits/{hit.pk}/").content.decode()
    assert "Record decision" not in page
    response = client.post(
        f"/screening/hits/{hit.pk}/", {"status": "dismissed", "reason": "x" * 20}
    )
    assert response.status_code == 403
    assert client.post("/screening/lists/rescreen/").status_code == 403


@pytest.mark.parametrize("role", ["sales", "support"])
def test_no_compliance_access_no_pages(
    client_for: Any, users_by_role: Any, hits: Any, role: str
) -> None:
    client = client_for(users_by_role[role])
    customer = hits[0].customer
    for url in ("/screening/?status=open", f"/screening/hits/{hits[0].pk}/", "/screening/lists/"):
        assert client.get(url).status_code == 403
    assert client.get(f"/customers/{customer.pk}/risk/").status_code == 403  # not their tab
    assert "Screening" not in client.get("/customers/").content.decode()


def test_nav_entry_for_compliance(client_for: Any, compliance: Any) -> None:
    assert 'href="/screening/"' in client_for(compliance).get("/").content.decode()


# Pinned counts: session, user, role access, role, the navigation badges, then the page's own
# reads (list: page of hits + list choices; detail: hit with customer and entry, other hits;
# risk tab: the profile page's reads + profile, hits, checks, runs). They must not grow with
# the number of hits. The risk tab also carries one count per visible tab with a count
# (factories.profile_tab_counts), added in the test.
PINNED = {"list": 8, "detail": 8, "risk_tab": 11, "versions": 8}  # risk_tab: + tab counts


def test_query_counts_do_not_grow(
    client_for: Any, compliance: Any, pep_list: Any, register: Any, load: Any, pep_file: Any
) -> None:
    client = client_for(compliance)
    first = register("Aadhya", "Sharma")
    hit = ScreeningHit.objects.get()
    urls = {
        "list": "/screening/?status=open",
        "detail": f"/screening/hits/{hit.pk}/",
        "risk_tab": f"/customers/{first.pk}/risk/",
        "versions": "/screening/lists/",
    }
    small = {name: queries(client, url) for name, url in urls.items()}
    load("pep2", pep_file, name="Second PEP list", category="pep")  # re-screens: 2nd hit
    load("pep3", pep_file, name="Third PEP list", category="pep")
    for last in ("Ali Khan", "Ali Khan", "Ali Khan"):
        register("Muhammad", last)
    assert ScreeningHit.objects.filter(customer=first).count() == 3
    large = {name: queries(client, url) for name, url in urls.items()}
    assert small == large
    tab_counts = profile_tab_counts(compliance)
    assert large == {**PINNED, "risk_tab": PINNED["risk_tab"] + tab_counts}
