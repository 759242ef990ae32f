"""The transactions journey in a real browser: a Compliance officer opens a customer's
balances, filters and exports their transactions, reads the analytics charts (and their
tables), then works the monitoring alert a large payment raised; an Admin blocks a device."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .conftest import screenshot

pytestmark = pytest.mark.browser


def _ago(**kw: Any) -> str:
    return (timezone.now() - dt.timedelta(**kw)).isoformat()


@pytest.fixture
def busy_customer(make_user: Callable[..., Any]) -> Any:
    """An Active customer with a month of transactions, one of them large enough to fire the
    "Large payment" rule."""
    from clientdesk.customers.models import Customer
    from clientdesk.customers.services import register_customer
    from clientdesk.transactions import services
    from clientdesk.transactions.intake import intake_transactions

    admin = make_user("admin", username="tx.admin")
    customer = register_customer(
        actor=admin,
        data={"first_name": "Kavya", "last_name": "Menon", "mobile": "9811100044", "country": "IN"},
    )
    Customer.objects.filter(pk=customer.pk).update(status="active")
    customer.refresh_from_db()
    services.create_rule(
        actor=admin,
        data={"name": "Large payment", "rule_type": "amount_threshold", "severity": "high",
              "parameters": {"amount": "100000"}},
    )  # fmt: skip
    shops = [("M-SWIG", "Swiggy"), ("M-AMZN", "Amazon India"), ("M-IRCT", "IRCTC")]
    rows: list[dict[str, Any]] = [
        {"transaction_id": "DEP-0001", "customer": customer.client_id, "amount": "99000",
         "currency": "INR", "type": "deposit", "occurred_at": _ago(days=28)},
        {"transaction_id": "DEP-0002", "customer": customer.client_id, "amount": "99000",
         "currency": "INR", "type": "deposit", "occurred_at": _ago(days=27)},
        {"transaction_id": "USD-0001", "customer": customer.client_id, "amount": "250",
         "currency": "USD", "type": "deposit", "occurred_at": _ago(days=20)},
    ]  # fmt: skip
    for i in range(24):
        merchant_id, name = shops[i % 3]
        rows.append(
            {"transaction_id": f"PAY-{i:04d}", "customer": customer.client_id,
             "amount": f"{350 + 97 * i}.50", "currency": "INR", "type": "payment",
             "status": "failed" if i % 6 == 5 else "successful",
             "failure_reason": "Declined by issuer" if i % 6 == 5 else "",
             "merchant": {"id": merchant_id, "name": name},
             "device": {"id": "PH-7F3A21" if i % 4 else "CARD-4412",
                        "type": "mobile" if i % 4 else "card"},
             "occurred_at": _ago(days=25 - i, hours=3)}
        )  # fmt: skip
    rows.append(
        {"transaction_id": "BIG-0001", "customer": customer.client_id, "amount": "150000",
         "currency": "INR", "type": "payment", "merchant": {"id": "M-JEWL", "name": "Tanishq"},
         "device": {"id": "PH-7F3A21", "type": "mobile"}, "occurred_at": _ago(hours=2)}
    )  # fmt: skip
    result = intake_transactions(rows, actor=admin)
    assert not result.errors and result.alerts == 1
    return customer


def test_transactions_charts_and_an_alert(
    page: Page, make_user: Callable[..., Any], login: Callable[..., None], busy_customer: Any
) -> None:
    officer = make_user("compliance")
    login(page, officer)
    customer = busy_customer

    # 1. The Overview shows each account's balance (loaded into its panel).
    page.goto(f"/customers/{customer.pk}/")
    panel = page.get_by_test_id("accounts-panel")
    expect(panel).to_contain_text("Wallet · INR")
    # 198,000 deposited, 28,350 paid in 20 successful small payments, 150,000 in the large one
    inr = panel.get_by_test_id("account-INR-wallet").get_by_test_id("balance")
    expect(inr).to_contain_text("19,650.00")
    expect(panel).to_contain_text("Wallet · USD")
    expect(panel).to_contain_text("250.00")

    # 2. The Transactions tab: summary, then only the failed ones, sorted, exported.
    tabs = page.get_by_role("navigation", name="Customer sections")
    expect(tabs.get_by_role("link", name="Transactions")).to_contain_text("28")
    tabs.get_by_role("link", name="Transactions").click()
    expect(page.get_by_test_id("tx-count")).to_have_text("28")
    page.locator("form.filters").get_by_label("Failed", exact=True).check()
    expect(page.get_by_test_id("tx-count")).to_have_text("4")
    assert f"/customers/{customer.pk}/transactions/?" in page.url and "status=failed" in page.url
    rows = page.locator("#list-results tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Declined by issuer")
    screenshot(page, "transactions-tab-failed")
    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    body = download_info.value.path().read_text(encoding="utf-8-sig")
    exported = list(csv.reader(io.StringIO(body)))
    assert len(exported) == 5 and {r[10] for r in exported[1:]} == {"Failed"}

    # 3. Analytics: drawn charts, each with its table a click away.
    page.goto(f"/customers/{customer.pk}/analytics/?period=last_30_days&bucket=week")
    expect(page.locator("figure.chart.is-charted")).to_have_count(5)
    expect(page.get_by_test_id("success-rate")).to_contain_text("85.7%")  # 24 of 28
    currency = page.get_by_test_id("chart-tx-currency")
    table = currency.locator("[data-chart-table]")
    expect(currency.locator("canvas")).to_be_visible()
    # drawn: the table stays in the page for screen readers, visually hidden (1 px, clipped)
    expect(currency.get_by_role("table", name="Volume by currency")).to_contain_text("USD")
    assert (table.bounding_box() or {"width": 0})["width"] <= 1
    currency.get_by_role("button", name="Table").click()
    expect(currency.locator("canvas")).not_to_be_visible()
    assert (table.bounding_box() or {"width": 0})["width"] > 200
    expect(currency.get_by_role("button", name="Table")).to_have_attribute("aria-pressed", "true")
    merchants = page.get_by_test_id("chart-tx-merchants")
    # three merchants with 8 uses each; Amazon India has the most volume
    expect(merchants.locator("tbody tr").first).to_contain_text("Amazon India")
    page.get_by_role("link", name="Day", exact=True).click()
    over_time = page.get_by_test_id("chart-tx-over-time")
    expect(over_time).to_contain_text("Transactions per day")
    expect(over_time.locator("tbody tr")).to_have_count(30)
    page.select_option("#id_period", "last_7_days")  # htmx swaps the charts, drawn again
    expect(over_time.locator("tbody tr")).to_have_count(7)
    assert "period=last_7_days" in page.url
    expect(page.locator("figure.chart.is-charted")).to_have_count(5)
    screenshot(page, "transactions-analytics")

    # 4. The alert: from the sidebar to its evidence; take it, review, note, clear.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    queue = page.locator("#list-results")
    expect(queue).to_contain_text("Kavya Menon")
    queue.get_by_role("link", name="Amount INR 150,000.00 above INR 100,000.00").click()
    expect(page.get_by_test_id("status-badge")).to_have_text("Triggered")
    expect(page.get_by_test_id("evidence")).to_contain_text("BIG-0001")
    expect(page.get_by_test_id("evidence")).to_contain_text("Tanishq")
    page.get_by_role("button", name="Assign to me").click()
    expect(page.get_by_test_id("assignee")).to_have_text("Farhan Qureshi")

    page.get_by_role("button", name="Change status").click()
    dialog = page.locator("dialog#alert-status-dialog")
    dialog.locator("#id_status").select_option(label="Under review")
    dialog.get_by_role("button", name="Change status").click()
    expect(page.get_by_test_id("status-badge")).to_have_text("Under review")

    page.fill("#id_body", "Wedding jewellery; invoice requested from the customer.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_test_id("alert-notes")).to_contain_text("invoice requested")

    page.get_by_role("button", name="Change status").click()
    dialog.locator("#id_status").select_option(label="Cleared")
    dialog.get_by_role("button", name="Change status").click()
    expect(page.locator("#messages")).to_contain_text("Say why the alert is closed.")
    page.get_by_role("button", name="Change status").click()
    dialog.locator("#id_status").select_option(label="Cleared")
    dialog.locator("#id_note").fill("Invoice matches the amount.")
    dialog.get_by_role("button", name="Change status").click()
    expect(page.get_by_test_id("status-badge")).to_have_text("Cleared")
    expect(page.get_by_test_id("alert-notes")).to_contain_text("Under review → Cleared")
    screenshot(page, "transactions-alert-cleared")


def test_admin_blocks_a_device_after_confirming(
    page: Page, make_user: Callable[..., Any], login: Callable[..., None], busy_customer: Any
) -> None:
    admin = make_user("admin")
    login(page, admin)
    page.goto(f"/customers/{busy_customer.pk}/devices/")
    row = page.locator("tr", has_text="PH-7F3A21")
    expect(row).to_contain_text("Trusted")
    row.get_by_role("button", name="Block…").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("Every transaction from this device is refused")
    dialog.get_by_role("button", name="Cancel").click()
    expect(row).to_contain_text("Trusted")
    row.get_by_role("button", name="Block…").click()
    dialog.get_by_label("Reason").fill("Customer reported the phone stolen.")
    dialog.get_by_role("button", name="Block device").click()
    expect(page.locator("#messages")).to_contain_text("Device PH-7F3A21 blocked.")
    expect(page.locator("tr", has_text="PH-7F3A21")).to_contain_text("Blocked")
    screenshot(page, "transactions-device-blocked")
