"""The journeys a person takes through ClientDesk, in a real browser (Debian's Chromium).

Each test signs in through the login page, works through the UI as a user of one role
would and checks what that person sees; the database is checked only for what the UI
cannot show (audit records). Screenshots of the key pages go to
``test-artifacts/screenshots/`` for the team's visual review.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .conftest import PASSWORD, PHONE, screenshot

pytestmark = pytest.mark.browser

PROFILE_URL = re.compile(r"/customers/(\d+)/$")

EXPORT_HEADER = [
    "Client ID",
    "First name",
    "Last name",
    "Mobile",
    "Alternative mobile",
    "Email",
    "Status",
    "City",
    "State",
    "Country",
    "Date of birth",
    "PAN",
    "Aadhaar",
    "ID type",
    "ID number",
    "Created",
    "Account opened",
    "Account activated",
    "Last activity",
    "Assigned user",
    "KYC status",
    "Risk level",
    "Transaction volume",
]


def _register(actor: Any, **data: Any) -> Any:
    from clientdesk.customers.services import register_customer

    return register_customer(actor=actor, data={"country": "IN", **data})


def _sign_out(page: Page) -> None:
    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()


# --- 1. signing in and out -----------------------------------------------------------------


def test_sign_in_with_wrong_then_right_password_and_sign_out(
    page: Page, live_server: Any, make_user: Callable[..., Any], customers: list[Any]
) -> None:
    user = make_user("manager")
    page.goto("/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "login")

    page.fill("#id_username", user.username)
    page.fill("#id_password", "not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page).to_have_url(re.compile(r"/login/$"))
    screenshot(page, "login-error")

    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h1")).to_contain_text("Meena Krishnan")
    expect(page.get_by_test_id("status-counts")).to_contain_text("Pending")
    expect(page.locator("main")).to_contain_text(customers[-1].full_name)
    screenshot(page, "dashboard")

    _sign_out(page)
    expect(page).to_have_url(re.compile(r"/login/$"))
    page.goto("/customers/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/customers/$"))


# --- 2. finding a customer -----------------------------------------------------------------


def test_search_from_the_list_and_from_ctrl_k(
    page: Page,
    live_server: Any,
    make_user: Callable[..., Any],
    login: Callable[..., None],
    customers: list[Any],
) -> None:
    zubin = next(c for c in customers if c.first_name == "Zubin")
    anika_bose = next(c for c in customers if c.first_name == "Anika")
    login(page, make_user("sales"))

    page.goto("/customers/")
    rows = page.locator("#list-results tbody tr")
    expect(rows).to_have_count(len(customers))
    screenshot(page, "customer-list")

    # The list search: htmx swaps the results in place, the page itself stays.
    page.evaluate("window.__sameDocument = true")
    page.locator("#id_q").press_sequentially("wadia", delay=40)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Zubin Wadia")
    expect(rows.first).to_contain_text(zubin.client_id)
    expect(page.locator("#list-results")).not_to_contain_text("Aarav Sharma")
    assert page.evaluate("window.__sameDocument === true"), "the search reloaded the page"
    expect(page).to_have_url(re.compile(r"[?&]q=wadia"))
    screenshot(page, "customer-list-search")

    # Ctrl+K, keyboard only.
    page.keyboard.press("Control+k")
    palette = page.locator("dialog#palette")
    expect(palette).to_be_visible()
    expect(page.locator("#palette-input")).to_be_focused()
    page.keyboard.type("zubin", delay=40)
    items = palette.locator("a.palette-item")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Zubin Wadia")
    screenshot(page, "palette", full_page=False)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/customers/{zubin.pk}/")
    expect(page.locator("h1")).to_contain_text("Zubin Wadia")

    # Ctrl+K again, choosing with the mouse among several hits.
    page.keyboard.press("Control+k")
    expect(palette).to_be_visible()
    page.locator("#palette-input").fill("an")
    anika = palette.locator("a.palette-item", has_text="Anika Bose")
    expect(anika).to_be_visible()
    expect(palette.locator("a.palette-item", has_text="Ananya Iyer")).to_be_visible()
    anika.click()
    expect(page).to_have_url(f"{live_server.url}/customers/{anika_bose.pk}/")


# --- 3. registering a customer ---------------------------------------------------------------


def test_add_customer_keeps_input_after_a_bad_pan(
    page: Page, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    from clientdesk.customers.models import Customer

    login(page, make_user("sales"))
    page.goto("/customers/")
    page.get_by_role("link", name="Add customer").click()
    expect(page.locator("h1")).to_have_text("Add customer")

    typed = {
        "#id_first_name": "Lakshmi",
        "#id_last_name": "Subramanian",
        "#id_mobile": "98450 12345",
        "#id_email": "lakshmi.s@example.in",
        "#id_address_line": "14 Temple Street, Mylapore",
        "#id_city": "Chennai",
        "#id_state": "Tamil Nadu",
        "#id_postal_code": "600004",
        "#id_occupation": "Architect",
    }
    for selector, value in typed.items():
        page.fill(selector, value)
    page.select_option("#id_gender", "female")
    page.select_option("#id_income_band", "10l_25l")
    page.fill("#id_pan", "ABCDE12345")
    page.get_by_role("button", name="Register customer").click()

    pan_field = page.locator(".field", has=page.locator("#id_pan"))
    expect(pan_field).to_have_class(re.compile(r"\bhas-error\b"))
    expect(pan_field).to_contain_text("Enter a valid PAN")
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(page.locator("#id_pan")).to_have_attribute("aria-invalid", "true")
    for selector, value in typed.items():
        expect(page.locator(selector)).to_have_value(value)
    expect(page.locator("#id_gender")).to_have_value("female")
    expect(page.locator("#id_income_band")).to_have_value("10l_25l")
    expect(page.locator("#id_pan")).to_have_value("ABCDE12345")
    screenshot(page, "customer-form-errors")

    page.fill("#id_pan", "ABCPE1234F")
    page.get_by_role("button", name="Register customer").click()
    expect(page).to_have_url(PROFILE_URL)
    customer = Customer.objects.get(pk=PROFILE_URL.search(page.url).group(1))
    assert customer.pan == "ABCPE1234F"
    assert customer.mobile == "+919845012345"
    expect(page.locator("h1")).to_contain_text("Lakshmi Subramanian")
    expect(page.locator(".page-subtitle")).to_contain_text(customer.client_id)
    expect(page.locator(".messages")).to_contain_text(f"registered as {customer.client_id}")


# --- 4. changing the status ------------------------------------------------------------------


def test_change_status_with_a_reason(
    page: Page, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    manager = make_user("manager")
    customer = _register(
        manager,
        first_name="Rahul",
        last_name="Khanna",
        mobile="9811122233",
        email="rahul.khanna@example.in",
        city="Bengaluru",
        pan="AFZPK7190K",
        date_of_birth="1987-04-12",
    )
    login(page, manager)
    page.goto(f"/customers/{customer.pk}/")
    badge = page.get_by_test_id("status-badge")
    expect(badge).to_have_text("Pending")

    page.get_by_role("button", name="Change status").click()
    dialog = page.locator("dialog#status-dialog")
    expect(dialog).to_be_visible()
    screenshot(page, "status-dialog", full_page=False)
    dialog.locator("#id_status").select_option("active")
    dialog.locator("#id_reason").fill("KYC documents verified in branch.")
    dialog.get_by_role("button", name="Change status").click()

    expect(badge).to_have_text("Active")
    expect(dialog).to_be_hidden()
    history = page.locator("section.card", has=page.get_by_role("heading", name="Status history"))
    expect(history).to_contain_text("Pending → Active")
    expect(history).to_contain_text("KYC documents verified in branch.")
    expect(history).to_contain_text("Meena Krishnan")
    screenshot(page, "profile-overview")

    tabs = page.get_by_role("navigation", name="Customer sections")
    tabs.get_by_role("link", name="Activities").click()
    expect(page.locator(".timeline")).to_contain_text("KYC documents verified in branch.")
    expect(page.locator(".timeline")).to_contain_text("Customer registered.")
    screenshot(page, "profile-activities")

    tabs.get_by_role("link", name="History").click()
    expect(page.locator("main table")).to_contain_text("Status changed")
    screenshot(page, "profile-history")


# --- 5. masked identifiers ------------------------------------------------------------------


def test_pan_is_masked_for_sales_and_revealed_for_compliance(
    new_page: Callable[..., Page], make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    from clientdesk.core.models import AuditEvent

    sales, officer = make_user("sales"), make_user("compliance")
    customer = _register(
        sales, first_name="Priya", last_name="Menon", mobile="9899911122", pan="ABCPE1234F"
    )

    page = new_page()
    login(page, sales)
    page.goto(f"/customers/{customer.pk}/")
    expect(page.locator("#reveal-pan")).to_have_text("XXXXXX234F")
    expect(page.get_by_test_id("reveal-pan")).to_have_count(0)
    expect(page.get_by_role("button", name="Reveal")).to_have_count(0)
    assert "ABCPE1234F" not in page.content()

    page = new_page()
    login(page, officer)
    page.goto(f"/customers/{customer.pk}/")
    expect(page.locator("#reveal-pan")).to_have_text("XXXXXX234F")
    page.get_by_test_id("reveal-pan").click()
    expect(page.locator("#reveal-pan")).to_have_text("ABCPE1234F")
    reveal = AuditEvent.objects.get(action="reveal", object_id=str(customer.pk))
    assert reveal.actor_id == officer.pk
    assert reveal.changes == {"field": "pan"}

    page.goto("/audit/")
    expect(page.locator("#list-results")).to_contain_text("Revealed sensitive value")
    screenshot(page, "audit-trail")


# --- 6. exporting ---------------------------------------------------------------------------


def test_export_csv_from_the_list_is_masked(
    page: Page, make_user: Callable[..., Any], login: Callable[..., None], customers: list[Any]
) -> None:
    manager = make_user("manager")
    priya = _register(
        manager, first_name="Priya", last_name="Menon", mobile="9899911122", pan="ABCPE1234F"
    )
    login(page, manager)
    page.goto("/customers/")
    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    download = download_info.value
    assert re.fullmatch(r"customers-\d{8}-\d{4}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8") as fh:
        text = fh.read()

    assert text.startswith("\ufeff"), "Excel needs the byte-order mark"
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == EXPORT_HEADER
    assert len(rows) == 1 + len(customers) + 1
    by_client_id = {row[0]: dict(zip(EXPORT_HEADER, row, strict=True)) for row in rows[1:]}
    assert by_client_id[priya.client_id]["PAN"] == "XXXXXX234F"
    assert by_client_id[priya.client_id]["Mobile"] == "+919899911122"
    assert "ABCPE1234F" not in text


# --- pages reviewed by eye ------------------------------------------------------------------


def test_roles_page_for_an_admin(
    page: Page, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    login(page, make_user("admin"))
    page.get_by_role("link", name="Users & roles").click()
    expect(page.locator("h1")).to_have_text("Users")
    page.get_by_role("link", name="Roles and module access").click()
    expect(page.locator("h1")).to_have_text("Roles and module access")
    # module, then seven roles (Integration and DPO included), each with Access and Reads
    expect(page.locator("table.role-matrix thead th.role-head")).to_have_count(7)
    expect(page.get_by_label("Sales User: Customers")).to_have_value("2")
    page.get_by_label("Support User: Leads").select_option(label="None")
    page.get_by_role("button", name="Save access").click()
    expect(page.get_by_text("Role access saved.")).to_be_visible()
    expect(page.get_by_label("Support User: Leads")).to_have_value("0")
    screenshot(page, "roles")


def test_customer_list_on_a_phone(
    new_page: Callable[..., Page],
    make_user: Callable[..., Any],
    login: Callable[..., None],
    customers: list[Any],
) -> None:
    page = new_page(viewport=PHONE)
    login(page, make_user("sales"))
    page.goto("/customers/")
    expect(page.locator("#list-results tbody tr")).to_have_count(len(customers))
    screenshot(page, "customer-list-mobile")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 390px"
