"""The reports journey in a real browser: a Manager opens the Registration report, changes
the period and the grouping, drills down from a figure to the customer list (same count),
and downloads the report as CSV, XLSX and PDF."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def registered(make_user: Callable[..., Any]) -> Any:
    from clientdesk.customers.services import register_customer

    admin = make_user("admin", username="rep.admin")
    for i, (city, days) in enumerate([("Pune", 2), ("Pune", 3), ("Nagpur", 40)]):
        register_customer(
            actor=admin,
            data={"first_name": f"Rep{i}", "last_name": "Kumar", "mobile": f"98111000{i:02d}",
                  "country": "IN", "city": city},
            created_at=timezone.now() - dt.timedelta(days=days),
        )  # fmt: skip
    return admin


def test_manager_reads_drills_down_and_downloads(
    page: Page, live_server: Any, make_user: Callable[..., Any], login: Any, registered: Any
) -> None:
    manager = make_user("manager", username="rep.manager")
    login(page, manager)
    page.goto(f"{live_server.url}/reports/")
    page.get_by_test_id("report-registration").click()
    expect(page.get_by_test_id("period-label")).to_contain_text("Last 30 days")
    expect(page.get_by_test_id("total-customers")).to_have_text("2")

    page.get_by_label("Period").select_option("last_90")
    page.get_by_label("Group by").select_option("city")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("period-label")).to_contain_text("Last 90 days")
    expect(page.get_by_test_id("total-customers")).to_have_text("3")
    page.locator(".report-chart").wait_for()
    screenshot(page, "reports-registration-by-city")

    for fmt in ("csv", "xlsx", "pdf"):
        with page.expect_download(timeout=60_000) as info:  # WeasyPrint loads fonts once
            page.get_by_test_id(f"export-{fmt}").click()
        assert info.value.suggested_filename.endswith(f"-city.{fmt}")

    pune = page.get_by_role("row", name="Pune").get_by_test_id("drill-customers")
    expect(pune).to_have_text("2")
    pune.click()
    expect(page).to_have_url(re.compile(r"city=Pune"))
    expect(page.locator("#list-results tbody tr")).to_have_count(2)
