"""The ticket journey in a real browser: open a ticket from the customer's profile, see it go
to the Support user, breach its SLA, resolve and close it, and answer the survey as the
customer through the one-time link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def survey_links(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Survey URLs handed to the comms outbox (the live server runs in this process)."""
    import clientdesk.comms.services as comms

    links: list[str] = []

    def capture(
        customer: Any, *, actor: Any, event: str, context: dict, channel: Any = None
    ) -> None:
        if event == "ticket_survey":
            links.append(context["survey_url"])

    monkeypatch.setattr(comms, "queue_customer_message", capture, raising=False)
    return links


def test_open_breach_resolve_and_answer_the_survey(
    page: Page,
    new_page: Callable[..., Page],
    make_user: Callable[..., Any],
    login: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    survey_links: list[str],
) -> None:
    from clientdesk.customers.services import register_customer
    from clientdesk.notifications.models import Notification
    from clientdesk.tickets import services
    from clientdesk.tickets.models import TicketSubject

    # the flush of an earlier transactional test removes the migration's default subjects
    TicketSubject.objects.get_or_create(name="Login issue")
    manager = make_user("manager")
    support = make_user("support")
    customer = register_customer(
        actor=manager,
        data={"first_name": "Kavya", "last_name": "Menon", "mobile": "9811100044", "country": "IN"},
    )
    login(page, manager)

    # 1. From the profile's Tickets tab (no open tickets yet) to a new, urgent ticket.
    page.goto(f"/customers/{customer.pk}/tickets/")
    tabs = page.get_by_role("navigation", name="Customer sections")
    # none open: the tab shows no count (a bare "0" would read as "no tickets at all")
    expect(tabs.get_by_role("link", name="Tickets")).to_have_text("Tickets")
    page.get_by_role("link", name="New ticket").click()
    expect(page.locator("#id_customer")).to_have_value(customer.client_id)
    page.select_option("#id_subject", label="Login issue")
    page.select_option("#id_source", label="On Call")
    page.select_option("#id_priority", label="Urgent")
    page.fill("#id_description", "OTP arrives but the app says the session expired.")
    page.get_by_role("button", name="Open ticket").click()

    expect(page.get_by_test_id("status-badge")).to_have_text("New")
    expect(page.get_by_test_id("priority-badge")).to_have_text("Urgent")
    expect(page.get_by_test_id("sla-status")).to_have_text("First Response Due")
    expect(page.locator("body")).to_contain_text("Pooja Shah")  # round robin: the Support user
    ticket_url = page.url
    screenshot(page, "ticket-new")

    # 2. Forty minutes later nobody has answered: the 30-minute first response is breached.
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(minutes=40))
    assert services.check_sla_breaches() == 1
    page.reload()
    expect(page.get_by_test_id("sla-warning")).to_contain_text("SLA breached")
    expect(page.get_by_test_id("sla-status")).to_have_text("Failed")
    assert Notification.objects.filter(recipient=support, kind="sla_breach").count() == 1
    screenshot(page, "ticket-breached")

    # 3. Resolve, then close with a reason: the survey link goes to the customer.
    page.get_by_role("button", name="Change status").click()
    dialog = page.locator("dialog#status-dialog")
    dialog.locator("#id_status").select_option(label="Resolved")
    dialog.locator("#id_note").fill("Cleared the app cache with the customer.")
    dialog.get_by_role("button", name="Change status").click()
    expect(page.get_by_test_id("status-badge")).to_have_text("Resolved")
    expect(page.get_by_test_id("sla-warning")).to_have_count(0)

    page.get_by_role("button", name="Change status").click()
    dialog.locator("#id_status").select_option(label="Closed")
    dialog.get_by_role("button", name="Change status").click()
    expect(page.locator("#messages")).to_contain_text("Give a reason for closing")
    page.get_by_role("button", name="Change status").click()
    dialog.locator("#id_status").select_option(label="Closed")
    dialog.locator("#id_note").fill("Customer confirmed the login works.")
    dialog.get_by_role("button", name="Change status").click()
    expect(page.get_by_test_id("status-badge")).to_have_text("Closed")
    assert len(survey_links) == 1

    # 4. The customer answers once, without signing in; the link then refuses a second answer.
    customer_page = new_page()
    survey_path = urlsplit(survey_links[0]).path
    customer_page.goto(survey_path)
    customer_page.get_by_label("4").check()
    customer_page.fill("#id_comment", "Fixed quickly, thanks.")
    screenshot(customer_page, "ticket-survey")
    customer_page.get_by_role("button", name="Send feedback").click()
    expect(customer_page.get_by_test_id("survey-thanks")).to_be_visible()
    customer_page.goto(survey_path)
    expect(customer_page.get_by_test_id("survey-used")).to_be_visible()

    # 5. The answer shows on the ticket and in the report.
    page.goto(ticket_url)
    expect(page.get_by_test_id("survey")).to_contain_text("Fixed quickly, thanks.")
    expect(page.get_by_test_id("survey")).to_contain_text("4")
    page.goto("/tickets/reports/")
    expect(page.get_by_test_id("avg-rating")).to_contain_text("4.0")
    screenshot(page, "ticket-report")
