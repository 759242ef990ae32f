"""The cases journey in a real browser: a Compliance officer opens a case from a monitoring
alert, investigates it, drafts an STR; a second officer approves it (the preparer cannot),
and the first marks it filed with the FIU's acknowledgement number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def alert(make_user: Callable[..., Any]) -> Any:
    from clientdesk.customers.models import Customer
    from clientdesk.customers.services import register_customer
    from clientdesk.transactions.intake import intake_transactions
    from clientdesk.transactions.models import Alert, Transaction

    admin = make_user("admin", username="case.admin")
    customer = register_customer(
        actor=admin,
        data={"first_name": "Nikhil", "last_name": "Bhat", "mobile": "9811100077", "country": "IN"},
    )
    Customer.objects.filter(pk=customer.pk).update(status="active")
    rows = [
        {"transaction_id": f"CASH-{i}", "customer": customer.client_id, "amount": "490000",
         "currency": "INR", "type": "deposit", "channel": "branch",
         "occurred_at": (timezone.now() - timezone.timedelta(days=i + 1)).isoformat()}
        for i in range(3)
    ]  # fmt: skip
    intake_transactions(rows, actor=admin)
    alert = Alert.objects.create(
        customer=customer,
        severity="medium",
        title="Cash deposits just below the threshold",
        details={"count": 3, "total": "1470000.00"},
        dedupe_key="journey-structuring",
        created_at=timezone.now(),
    )
    alert.transactions.set(Transaction.objects.filter(customer=customer))
    return alert


def test_alert_to_filed_str(
    new_page: Callable[..., Page], make_user: Callable[..., Any], login: Any, alert: Any
) -> None:
    officer = make_user("compliance", username="officer.one")
    second = make_user("compliance", username="officer.two")
    second.first_name = "Leela"
    second.save(update_fields=["first_name"])

    page = new_page()
    login(page, officer)
    page.goto(f"/transactions/alerts/{alert.pk}/")
    page.get_by_test_id("open-case").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Open")
    expect(page.get_by_test_id("case-evidence")).to_contain_text("CASH-0")
    page.get_by_test_id("to-investigating").click()
    expect(page.get_by_test_id("case-status")).to_have_text("Investigating")
    page.fill("#id_body", "Three branch deposits in three days. @officer.two please review.")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_test_id("case-timeline")).to_contain_text("Three branch deposits")
    screenshot(page, "case-detail")

    page.fill("#id_grounds", "Cash deposits structured below INR 5 lakh on consecutive days.")
    page.get_by_role("button", name="Draft STR").click()
    expect(page.get_by_test_id("str-status")).to_have_text("Draft")
    expect(page.get_by_test_id("deadline")).to_contain_text("working day")
    page.get_by_test_id("approve").click()  # the preparer may not approve
    expect(page.get_by_text("A second officer must approve")).to_be_visible()
    expect(page.get_by_test_id("str-status")).to_have_text("Draft")
    str_url = page.url

    checker = new_page()
    login(checker, second)
    checker.goto(str_url)
    checker.get_by_test_id("approve").click()
    expect(checker.get_by_test_id("str-status")).to_have_text("Approved")
    expect(checker.get_by_test_id("approved-by")).to_contain_text("Leela")

    page.goto(str_url)
    page.fill("#id_ack", "FIU-IND-ACK-000123")
    page.get_by_role("button", name="Mark filed").click()
    expect(page.get_by_test_id("str-status")).to_have_text("Filed")
    expect(page.get_by_test_id("ack")).to_have_text("FIU-IND-ACK-000123")
    screenshot(page, "str-filed")
