"""The demo's screening list: shipped, generated, fictitious, loaded by seed_demo, and
matched by some demo customers so the Compliance hit queue has work."""

from __future__ import annotations

import csv
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from clientdesk.customers import demo_screening
from clientdesk.customers.models import Customer
from clientdesk.screening.models import ListVersion, ScreeningHit

pytestmark = pytest.mark.django_db


def test_the_shipped_list_is_what_the_generator_makes() -> None:
    shipped = demo_screening.WATCHLIST.read_text()
    assert shipped == demo_screening.watchlist_csv(demo_screening.watchlist_rows())


def test_every_entry_is_marked_fictitious_and_in_the_in_house_format() -> None:
    rows = list(csv.DictReader(StringIO(demo_screening.WATCHLIST.read_text())))
    assert len(rows) == demo_screening.ENTRIES
    assert tuple(rows[0]) == demo_screening.HEADER
    assert len({r["id"] for r in rows}) == len(rows)
    for row in rows:
        assert row["remarks"] == demo_screening.REMARK and row["program"] == "DEMO-FICTITIOUS"
    assert {r["type"] for r in rows} == {"individual", "entity"}


def test_the_list_loads_as_an_in_house_list(roles: Any) -> None:
    loaded = demo_screening.load_watchlist()
    assert loaded.created and loaded.version.entry_count == demo_screening.ENTRIES
    assert loaded.version.screening_list.category == "internal"
    again = demo_screening.load_watchlist()
    assert not again.created  # the same file changes nothing


def test_seed_demo_loads_the_list_and_the_hit_queue_has_work(
    roles: Any, django_capture_on_commit_callbacks: Any, client_for: Any, compliance: Any
) -> None:
    out = StringIO()
    # The immediate task backend of the tests runs the queued re-screening on commit.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", customers=40, seed=3, workers=0, stdout=out)
    text = out.getvalue()
    assert "Named 4 customers after entries of the demo watch list." in text
    assert "Screening list: " in text and "re-screening of every customer queued" in text
    assert ListVersion.objects.filter(screening_list__source="demo_watchlist").count() == 1

    entries = {r["name"] for r in demo_screening.watchlist_rows()}
    planted = Customer.objects.filter(last_name__in={n.split(" ", 1)[1] for n in entries}) | (
        Customer.objects.filter(first_name__in={n.split(" ", 1)[1] for n in entries})
    )
    assert planted.count() == 4
    hits = ScreeningHit.objects.filter(screening_list__source="demo_watchlist")
    hit_customers = set(hits.values_list("customer_id", flat=True))
    assert set(planted.values_list("pk", flat=True)) <= hit_customers
    assert all(h.status == "open" and h.score >= 85 for h in hits)

    page = client_for(compliance).get(reverse("screening:hits"), follow=True)
    html = page.content.decode()
    assert page.status_code == 200
    for customer in planted:
        assert customer.last_name in html or customer.first_name in html
