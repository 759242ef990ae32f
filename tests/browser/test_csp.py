"""The Content Security Policy in a real browser: every main page, for every role, with no
violation.

Each role signs in and walks its pages (the dashboard, every list in its sidebar, a customer
profile with each of its tabs, the Ctrl+K palette opened with results); an Admin and a
Compliance officer then walk the deep pages (ticket, lead board and lead, KYC review with the
zoom and the drop zone, transactions analytics with the charts drawn, an alert, a screening
hit, rules, the role matrix, messages, the API docs) and work the interactive parts that run
our scripts (htmx filters, the custom period fields, bulk selection, the timeline filter).

A violation is caught two ways, both outside the page's reach: Chromium's console message
("Refused to ... because it violates the following Content Security Policy directive") and the
``securitypolicyviolation`` event, whose listener Playwright installs through the DevTools
protocol (an init script, which the page's CSP does not govern). htmx's refusal to evaluate
code (``htmx:evalDisallowedError``) and a rejected Permissions-Policy feature count too. The
first test proves the watch sees a violation when there is one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .conftest import screenshot

pytestmark = pytest.mark.browser

WATCH_SCRIPT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(
    e.effectiveDirective + " refused " + (e.blockedURI || "inline") + " at " +
    (e.sourceFile || "?") + ":" + e.lineNumber + " " + JSON.stringify(e.sample || "")
  );
});
"""
CONSOLE_PROBLEMS = re.compile(
    r"Content Security Policy|Refused to|evalDisallowed|Permissions-Policy|Permissions policy",
    re.I,
)
ROLES = ("sales", "support", "manager", "compliance", "admin")


class CspWatch:
    """Collects CSP violations of a page, per visited URL."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.visited: list[str] = []

    def attach(self, page: Page) -> Page:
        page.add_init_script(WATCH_SCRIPT)
        page.on("console", self._console)
        return page

    def _console(self, message: Any) -> None:
        if CONSOLE_PROBLEMS.search(message.text):
            self.violations.append(f"console {message.type}: {message.text} ({message.location})")

    def collect(self, page: Page) -> None:
        """Move the page's violation events into the list (before leaving the page)."""
        found = page.evaluate("window.__cspViolations ? window.__cspViolations.splice(0) : []")
        self.violations.extend(f"{page.url}: {v}" for v in found)

    def visit(
        self,
        page: Page,
        url: str,
        *,
        ready: str | None = None,
        any_status: bool = False,
        timeout: float = 5_000,
    ) -> None:
        response = page.goto(url)
        assert response is not None
        assert any_status or response.status < 400, f"{url}: {response.status}"
        settle(page)
        if ready:
            expect(page.locator(ready).first).to_be_attached(timeout=timeout)
        self.collect(page)
        self.visited.append(f"{url} ({page.url.split('/', 3)[-1]})")


def settle(page: Page) -> None:
    """Wait for the page's load and for the htmx requests it started (hx-trigger="load")."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


@pytest.fixture
def watch() -> CspWatch:
    return CspWatch()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Iterator[None]:
    from clientdesk.screening import indexing

    settings.MEDIA_ROOT = str(tmp_path / "media")
    indexing.clear()
    yield
    indexing.clear()


def _ago(**kw: Any) -> str:
    return (timezone.now() - dt.timedelta(**kw)).isoformat()


@pytest.fixture
def world(make_user: Callable[..., Any], tmp_path: Path) -> dict[str, Any]:
    """One of everything the main pages show: users of every role, a customer with
    transactions (and the alert a large payment raised), a KYC document, a ticket, a lead and
    a screening hit."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from kyc import makedocs

    from clientdesk.customers.models import Customer
    from clientdesk.customers.services import register_customer
    from clientdesk.kyc.services import upload_document
    from clientdesk.leads.services import create_lead
    from clientdesk.screening.services import load_list_version
    from clientdesk.tickets.models import TicketSubject
    from clientdesk.tickets.services import create_ticket
    from clientdesk.transactions import services as tx
    from clientdesk.transactions.intake import intake_transactions

    users = {slug: make_user(slug) for slug in ROLES}
    admin = users["admin"]
    customer = register_customer(
        actor=admin,
        data={"first_name": "Kavya", "last_name": "Menon", "mobile": "9811100044",
              "email": "kavya@example.in", "country": "IN", "assigned_to": users["sales"]},
    )  # fmt: skip
    Customer.objects.filter(pk=customer.pk).update(status="active")
    tx.create_rule(
        actor=admin,
        data={"name": "Large payment", "rule_type": "amount_threshold", "severity": "high",
              "parameters": {"amount": "100000"}},
    )  # fmt: skip
    rows: list[dict[str, Any]] = [
        {"transaction_id": f"DEP-{i:04d}", "customer": customer.client_id, "amount": "99000",
         "currency": "INR", "type": "deposit", "occurred_at": _ago(days=28 - i)}
        for i in range(2)
    ]  # fmt: skip
    rows += [
        {"transaction_id": f"PAY-{i:04d}", "customer": customer.client_id,
         "amount": f"{350 + 97 * i}.50", "currency": "INR", "type": "payment",
         "status": "failed" if i % 6 == 5 else "successful",
         "merchant": {"id": f"M-{i % 3}", "name": ["Swiggy", "Amazon India", "IRCTC"][i % 3]},
         "device": {"id": "PH-7F3A21", "type": "mobile"}, "occurred_at": _ago(days=20 - i)}
        for i in range(18)
    ]  # fmt: skip
    rows.append(
        {"transaction_id": "BIG-0001", "customer": customer.client_id, "amount": "150000",
         "currency": "INR", "type": "payment", "occurred_at": _ago(hours=2)}
    )  # fmt: skip
    result = intake_transactions(rows, actor=admin)
    assert not result.errors and result.alerts == 1

    document = upload_document(
        customer,
        actor=admin,
        upload=SimpleUploadedFile("passport.jpg", makedocs.passport_page()),
        kind="id_proof",
    )
    ticket = create_ticket(
        actor=admin,
        data={"customer": customer, "source": "on_call", "assignees": [users["support"]],
              "subject": TicketSubject.objects.get_or_create(name="Login issue")[0],
              "description": "Cannot log in to the trading app since the update."},
    )  # fmt: skip
    lead = create_lead(
        actor=admin,
        data={"first_name": "Ravi", "last_name": "Lead", "mobile": "9700000001",
              "email": "ravi.lead@example.com", "source": "website", "category": "direct",
              "account_type": "individual", "city": "Pune", "country": "IN"},
    )  # fmt: skip
    pep = tmp_path / "pep.csv"
    pep.write_text(
        "id,name,aliases,type,date_of_birth,nationality,program,remarks\n"
        "PEP-2,Aadhya Sharma,,pep,1985-02-11,India,PEP,Member of a state assembly\n",
        encoding="utf-8",
    )
    load_list_version(
        actor=None, source="pep", path=pep, name="In-house PEP", category="pep", rescreen=False
    )
    flagged = register_customer(
        actor=admin,
        data={
            "first_name": "Aadhya",
            "last_name": "Sharma",
            "mobile": "9811100055",
            "country": "IN",
        },
    )
    from clientdesk.screening.models import ScreeningHit
    from clientdesk.transactions.models import Alert

    hit = ScreeningHit.objects.filter(customer=flagged).first()
    assert hit is not None, "the PEP list should have flagged Aadhya Sharma"
    return {
        "users": users,
        "customer": customer,
        "document": document,
        "ticket": ticket,
        "lead": lead,
        "hit": hit,
        "alert": Alert.objects.get(),
    }


def _sidebar_links(page: Page) -> list[str]:
    hrefs = page.locator("nav.sidebar-nav a.nav-item").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return [h for h in hrefs if h and h != "/"]


def _profile_with_tabs(page: Page, watch: CspWatch, customer: Any) -> None:
    watch.visit(page, f"/customers/{customer.pk}/", ready=".tabs")
    tabs = page.locator("nav.tabs a.tab").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert len(tabs) >= 3
    for href in tabs[1:]:
        watch.visit(page, href)


def _palette(page: Page, watch: CspWatch, term: str, name: str) -> None:
    page.keyboard.press("Control+k")
    palette = page.locator("dialog#palette")
    expect(palette).to_be_visible()
    page.locator("#palette-input").fill(term)
    expect(palette.locator("a.palette-item").first).to_be_visible()
    watch.collect(page)
    screenshot(page, f"csp-palette-{name}", full_page=False)
    page.keyboard.press("Escape")


# --- the watch itself ----------------------------------------------------------------------


def test_the_watch_sees_a_violation(
    page: Page, watch: CspWatch, make_user: Callable[..., Any], login: Callable[..., None]
) -> None:
    """Markup with a style attribute and an inline script, put in by script, are refused and
    reported: the walk below would see a violation if a page had one."""
    watch.attach(page)
    login(page, make_user("manager"))
    page.evaluate(
        """() => {
        const box = document.createElement("div");
        box.innerHTML = '<p style="color: red">styled</p>';
        document.body.appendChild(box);
        const s = document.createElement("script");
        s.textContent = "window.__ran = true";
        document.body.appendChild(s);
    }"""
    )
    page.wait_for_timeout(100)
    watch.collect(page)
    assert page.evaluate("window.__ran === undefined")  # the inline script did not run
    assert any("style-src" in v for v in watch.violations), watch.violations
    assert any("script-src" in v for v in watch.violations), watch.violations


# --- every role, every main page ------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_has_no_violation(
    new_page: Callable[..., Page],
    watch: CspWatch,
    world: dict[str, Any],
    login: Callable[..., None],
    role: str,
) -> None:
    page = watch.attach(new_page())
    login(page, world["users"][role])
    watch.collect(page)  # the login page and the dashboard it lands on
    watch.visited += ["/login/", "/"]
    for href in _sidebar_links(page):
        watch.visit(page, href)
    _profile_with_tabs(page, watch, world["customer"])
    watch.visit(page, "/")
    _palette(page, watch, "Kavya", role)
    print(f"{role}: {len(watch.visited)} pages, {len(watch.violations)} violations")
    assert not watch.violations, "\n".join(watch.violations)


def test_deep_pages_and_their_scripts_have_no_violation(
    page: Page, watch: CspWatch, world: dict[str, Any], login: Callable[..., None]
) -> None:
    watch.attach(page)
    customer, ticket, lead = world["customer"], world["ticket"], world["lead"]
    login(page, world["users"]["admin"])

    # htmx list filters: a select asks at once, the search box as you type (no eval'd filter)
    watch.visit(page, "/customers/", ready="#list-results")
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/customers/?" in r.url else None)
    with page.expect_response(re.compile(r"/customers/\?.*q=Kavya")):
        page.locator("#id_q").fill("Kavya")
    expect(page.locator("#list-results")).to_contain_text("Kavya Menon")
    page.locator("#id_q").press("Tab")  # its change event (on leaving) asks nothing more
    settle(page)
    assert len(asked) == 1, asked
    with page.expect_response(re.compile(r"/customers/\?.*status=active")):
        page.locator("#id_status input[value=active]").check()  # any other field asks at once
    assert len(asked) == 2, asked
    page.wait_for_url(re.compile(r"status=active"))
    page.go_back()  # Back: the page reloads at the URL before (htmx keeps no snapshot)
    settle(page)
    expect(page.locator("#id_q")).to_have_value("Kavya")
    expect(page.locator("#id_status input[value=active]")).not_to_be_checked()
    watch.collect(page)

    # tickets: bulk selection counts; the ticket page
    watch.visit(page, "/tickets/", ready="#list-results")
    page.locator('[data-select-all="ticket"]').check()
    expect(page.locator("[data-selected-count]").first).to_have_text("1")
    expect(page.locator("[data-bulk-action]").first).to_be_enabled()
    watch.visit(page, f"/tickets/{ticket.pk}/")
    # the timeline's type menu submits itself (was an inline onchange)
    with page.expect_navigation(url=re.compile(r"kind=")):
        page.locator("select[data-autosubmit]").select_option(index=1)
    watch.collect(page)

    # leads: list, board (a move through the card's menu), detail
    watch.visit(page, "/leads/", ready="#list-results")
    watch.visit(page, "/leads/board/", ready="[data-testid=board]")
    card = page.locator(".board-card", has_text="Ravi Lead")
    card.locator("select[name=status]").select_option(index=1)
    card.get_by_role("button", name="Move").click()
    settle(page)
    watch.collect(page)
    screenshot(page, "csp-lead-board")
    watch.visit(page, f"/leads/{lead.pk}/")

    # KYC: the documents tab's drop zone takes a dropped file; the reviewer's viewer zooms
    watch.visit(page, f"/customers/{customer.pk}/documents/", ready="[data-dropzone]")
    page.dispatch_event(
        "[data-dropzone]",
        "drop",
        {
            "dataTransfer": page.evaluate_handle(
                """() => { const t = new DataTransfer();
                t.items.add(new File(["x"], "bill.pdf", {type: "application/pdf"})); return t; }"""
            )
        },
    )
    expect(page.locator(".dropzone-files")).to_contain_text("bill.pdf")
    watch.collect(page)
    watch.visit(page, "/kyc/")
    watch.visit(page, f"/kyc/review/{customer.pk}/", ready="[data-viewer] img")
    label = page.locator("[data-zoom-label]")
    before = label.inner_text()
    page.locator("[data-zoom=in]").click()
    expect(label).not_to_have_text(before)
    watch.collect(page)
    screenshot(page, "csp-kyc-review")
    watch.visit(page, "/kyc/overview/")

    # transactions: list with the custom period, analytics charts, alerts, rules
    watch.visit(page, "/transactions/")
    watch.visit(page, "/transactions/list/", ready="#list-results")
    period = page.locator("#id_period")
    range_fields = page.locator(".tx-range")
    expect(range_fields.first).to_be_hidden()
    period.select_option("custom")
    expect(range_fields.first).to_be_visible()
    settle(page)
    watch.collect(page)
    watch.visit(
        page, f"/customers/{customer.pk}/analytics/", ready="[data-chart][data-chart-drawn]"
    )
    box = page.locator("[data-chart][data-chart-drawn] canvas").first.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    page.locator("[data-chart-toggle]").first.click()
    watch.collect(page)
    screenshot(page, "csp-analytics")
    # htmx pushes the new period's URL; Back reloads the page (htmx keeps no snapshot, whose
    # canvases would carry inline sizes) and the charts are drawn again
    page.locator("#id_period").select_option("last_30_days")
    page.wait_for_url(re.compile(r"/analytics/\?.*period=last_30_days"))
    settle(page)
    page.go_back()
    settle(page)
    expect(page.locator("[data-chart][data-chart-drawn]").first).to_be_visible()
    watch.collect(page)
    watch.visit(page, "/transactions/alerts/")
    watch.visit(page, f"/transactions/alerts/{world['alert'].pk}/")
    watch.visit(page, "/transactions/alerts/rules/")
    watch.visit(page, "/transactions/alerts/rules/new/", ready="#id_rule_type")
    page.locator("#id_rule_type").select_option("amount_threshold")
    expect(page.locator('[data-rule-params="amount_threshold"]')).to_be_visible()
    watch.collect(page)

    # screening, administration, messages, tasks, calls, notifications, audit
    watch.visit(page, "/screening/")
    watch.visit(page, f"/screening/hits/{world['hit'].pk}/")
    watch.visit(page, "/screening/lists/")
    watch.visit(page, "/admin-area/roles/")
    watch.visit(page, "/admin-area/users/")
    watch.visit(page, "/messages/")
    watch.visit(page, "/messages/templates/")
    watch.visit(page, f"/messages/customers/{customer.pk}/send/")
    watch.visit(page, "/tasks/")
    watch.visit(page, "/tasks/all/")
    watch.visit(page, "/calls/", ready="#id_period")
    page.locator("#id_period").select_option("custom")
    expect(page.locator("#call-custom-range")).to_be_visible()
    settle(page)
    watch.collect(page)
    watch.visit(page, "/notifications/")
    watch.visit(page, "/audit/")
    watch.visit(page, "/tickets/reports/")
    watch.visit(page, "/tickets/settings/")

    # the API docs (Swagger UI from the sidecar, its start-up script a file of its own)
    watch.visit(page, "/api/docs/", ready=".swagger-ui .opblock", timeout=60_000)  # schema
    screenshot(page, "csp-api-docs", full_page=False)
    print(f"admin deep walk: {len(watch.visited)} pages, {len(watch.violations)} violations")
    assert not watch.violations, "\n".join(watch.violations)


def test_compliance_review_and_the_public_survey_page_have_no_violation(
    page: Page, watch: CspWatch, world: dict[str, Any], login: Callable[..., None]
) -> None:
    watch.attach(page)
    login(page, world["users"]["compliance"])
    customer = world["customer"]
    watch.visit(page, f"/kyc/review/{customer.pk}/", ready="[data-viewer] img")
    watch.visit(page, f"/screening/hits/{world['hit'].pk}/")
    watch.visit(page, f"/transactions/alerts/{world['alert'].pk}/")
    watch.visit(page, f"/customers/{customer.pk}/transactions/", ready="#list-results")
    watch.visit(page, "/tickets/survey/not-a-real-token/", any_status=True)  # public page
    assert not watch.violations, "\n".join(watch.violations)
