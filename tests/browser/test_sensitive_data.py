"""Sensitive data in a real browser: an identifier typed into the customer search or the
Ctrl+K palette never reaches a URL (requests, redirects, the address bar); the profile
shows masks of four characters; Sales sees that an ID document exists, not the file."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import screenshot

pytestmark = pytest.mark.browser

PAN = "ABCPE1234F"


def _register(actor: Any, **data: Any) -> Any:
    from clientdesk.customers.services import register_customer

    return register_customer(actor=actor, data={"country": "IN", **data})


def _watch_urls(page: Page) -> list[str]:
    """Every URL the page requests or is redirected through, and every address it shows."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.on("framenavigated", lambda frame: seen.append(frame.url))
    return seen


def _assert_clean(urls: list[str]) -> None:
    leaked = [u for u in urls if PAN in u.upper() or PAN[:7] in u.upper()]
    assert not leaked, leaked


def test_identifier_search_never_reaches_a_url(
    new_page: Callable[..., Page],
    make_user: Callable[..., Any],
    login: Callable[..., None],
    customers: list[Any],
) -> None:
    from clientdesk.core.models import AuditEvent

    officer = make_user("compliance")
    priya = _register(officer, first_name="Priya", last_name="Menon", mobile="9899911122", pan=PAN)
    page = new_page()
    login(page, officer)
    urls = _watch_urls(page)

    page.goto("/customers/")
    rows = page.locator("#list-results tbody tr")
    page.locator("#id_q").press_sequentially(PAN.lower(), delay=30)
    page.wait_for_timeout(500)  # the live search's debounce passes: no request may go out
    _assert_clean(urls)
    page.locator("#id_q").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Priya Menon")
    expect(page.get_by_test_id("list-notice")).to_contain_text("XXXXXX234F")
    expect(page).to_have_url(re.compile(r"/customers/\?lookup=[\w-]+"))
    screenshot(page, "customer-search-identifier-lookup")

    # The palette: typed, looked up by POST, opened with Enter.
    page.keyboard.press("Control+k")
    page.locator("#palette-input").press_sequentially(PAN, delay=30)
    hit = page.locator("dialog#palette a.palette-item", has_text="Priya Menon")
    expect(hit).to_be_visible()
    expect(hit).to_contain_text("Identifier")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/customers/{priya.pk}/$"))
    expect(page.locator("#reveal-pan")).to_have_text("XXXXXX234F")
    screenshot(page, "customer-profile-masked")

    # A name search is still an ordinary GET, in the address bar.
    page.goto("/customers/")
    page.locator("#id_q").press_sequentially("priya", delay=30)
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"[?&]q=priya"))

    _assert_clean(urls)
    history = page.evaluate("JSON.stringify(Object.keys(localStorage).map(k => localStorage[k]))")
    assert PAN not in history.upper()
    events = AuditEvent.objects.filter(action="identifier_lookup")
    assert events.count() >= 2 and all(e.changes["identifier"] == "XXXXXX234F" for e in events)


def test_sales_sees_id_documents_exist_but_cannot_open_them(
    new_page: Callable[..., Page], make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from kyc import makedocs

    from clientdesk.kyc.services import upload_document

    sales = make_user("sales")
    customer = _register(
        sales, first_name="Asha", last_name="Verma", mobile="9899911123", assigned_to=sales
    )
    for kind, name, data in (
        ("id_proof", "passport.jpg", makedocs.passport_page()),
        ("address_proof", "bill.pdf", makedocs.utility_bill()),
    ):
        upload_document(customer, actor=sales, upload=SimpleUploadedFile(name, data), kind=kind)
    page = new_page()
    login(page, sales)
    page.goto(f"/customers/{customer.pk}/documents/")
    documents = page.get_by_test_id("document")
    expect(documents).to_have_count(2)
    passport = documents.filter(has_text="passport.jpg")
    expect(passport).to_contain_text("ID proof")
    expect(passport.get_by_test_id("file-restricted")).to_be_visible()
    expect(passport.get_by_role("link", name="Download")).to_have_count(0)
    expect(
        documents.filter(has_text="bill.pdf").get_by_role("link", name="Download")
    ).to_be_visible()
    expect(page.get_by_test_id("upload-form")).to_be_visible()
    screenshot(page, "documents-tab-sales")
