"""In a real browser: create a lead, move it through the pipeline, convert it, open the
customer and follow "View Lead" back to the lead with its full history.

Reuses the browser fixtures of ``tests/browser`` (Debian's Chromium, live server, sign-in).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import screenshot

pytestmark = pytest.mark.browser

PIPELINE = ["Documents Collected", "Sent to HO", "Documents Verified", "Account Opened"]


def _change_status(page: Page, label: str, note: str = "") -> None:
    page.get_by_role("button", name="Change status").click()
    dialog = page.locator("#status-dialog")
    dialog.get_by_label("New status").select_option(label=label)
    if note:
        dialog.get_by_label("Note").fill(note)
    dialog.get_by_role("button", name="Change status").click()
    expect(page.get_by_test_id("status-badge")).to_have_text(label)


def test_lead_to_customer_and_back(
    page: Page, make_user: Callable[..., Any], login: Callable[[Page, Any], None]
) -> None:
    sales = make_user("sales")
    login(page, sales)

    page.get_by_role("link", name="Leads", exact=True).first.click()
    page.get_by_role("link", name="Add lead").click()
    page.get_by_label("First name").fill("Nikhil")
    page.get_by_label("Last name").fill("Bhat")
    page.get_by_label("Lead source").select_option(label="Referral")
    page.get_by_label("Mobile", exact=False).first.fill("98450 12345")
    page.get_by_label("Email").fill("nikhil.bhat@example.com")
    page.get_by_role("button", name="Add lead").click()
    expect(page).to_have_url(re.compile(r"/leads/\d+/$"))
    lead_url = page.url
    expect(page.get_by_test_id("status-badge")).to_have_text("New")
    expect(page.get_by_test_id("owner")).to_have_text("Sunil Verma")

    _change_status(page, "Contacted", "Called; interested in a demat account.")
    for label in PIPELINE:
        _change_status(page, label)
    expect(page.locator("#status-history")).to_contain_text("Documents Verified → Account Opened")
    screenshot(page, "lead-account-opened")

    page.get_by_test_id("convert").click()
    page.locator("[data-confirm-ok]").click()
    expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
    expect(page.get_by_test_id("status-badge")).to_have_text("Pending")
    expect(page.locator(".page-title")).to_contain_text("Nikhil Bhat")
    screenshot(page, "customer-from-lead")

    page.get_by_role("link", name="View Lead").click()
    expect(page).to_have_url(lead_url)
    history = page.locator("#status-history")
    expect(history).to_contain_text("New → Contacted")
    expect(history).to_contain_text("Called; interested in a demat account.")
    expect(page.locator(".alert-success")).to_contain_text("Converted to customer")
    expect(page.get_by_test_id("convert")).to_have_count(0)
    screenshot(page, "lead-converted")
