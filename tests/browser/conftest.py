"""Fixtures for the browser journeys: Debian's Chromium driven by Playwright's sync API
against pytest-django's ``live_server`` (a transactional database).

- ``browser`` is one Chromium per test session (per xdist worker); ``new_page`` and ``page``
  give each test its own contexts, closed at the end of the test.
- Every page fails its test on an uncaught JavaScript error, a 5xx answer or a missing
  static file.
- ``roles`` puts the five default roles back: a transactional test's flush removes the rows
  the data migration installed.
- ``screenshot(page, name)`` writes ``test-artifacts/screenshots/<name>.png`` for review.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses ORM
# calls from a thread with a running loop unless told otherwise.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "Journey-pass-2024"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000

# 20 customers for the list, dashboard and search journeys: (first, last, city, state).
PEOPLE = [
    ("Aarav", "Sharma", "Mumbai", "Maharashtra"),
    ("Diya", "Patel", "Ahmedabad", "Gujarat"),
    ("Vihaan", "Reddy", "Hyderabad", "Telangana"),
    ("Ananya", "Iyer", "Chennai", "Tamil Nadu"),
    ("Kabir", "Singh", "Amritsar", "Punjab"),
    ("Ishita", "Banerjee", "Kolkata", "West Bengal"),
    ("Arjun", "Nair", "Kochi", "Kerala"),
    ("Saanvi", "Gupta", "Lucknow", "Uttar Pradesh"),
    ("Reyansh", "Joshi", "Pune", "Maharashtra"),
    ("Myra", "Kulkarni", "Nagpur", "Maharashtra"),
    ("Aditya", "Menon", "Bengaluru", "Karnataka"),
    ("Kiara", "Chopra", "New Delhi", "Delhi"),
    ("Rohan", "Desai", "Surat", "Gujarat"),
    ("Anika", "Bose", "Kolkata", "West Bengal"),
    ("Vivaan", "Agarwal", "Jaipur", "Rajasthan"),
    ("Meher", "Kapoor", "Chandigarh", "Chandigarh"),
    ("Dhruv", "Malhotra", "Gurugram", "Haryana"),
    ("Tara", "Pillai", "Thiruvananthapuram", "Kerala"),
    ("Zubin", "Wadia", "Mumbai", "Maharashtra"),
    ("Nandini", "Rao", "Mysuru", "Karnataka"),
]


def _append_only_trigger_sql() -> str:
    """The SQLite statement that re-creates the audit table's no-delete trigger."""
    migration = importlib.import_module("clientdesk.core.migrations.0002_audit_append_only")
    return next(sql for sql in migration.SQLITE if "no_delete" in sql)


@pytest.fixture(autouse=True)
def _audit_rows_removable_on_sqlite(transactional_db: None) -> Iterator[None]:
    """Let the flush after each transactional test empty the append-only audit table.

    On SQLite the flush is ``DELETE FROM core_auditevent``, which the append-only trigger
    aborts; so the rows go here first, with the trigger lifted for that one statement.
    PostgreSQL's flush is a TRUNCATE, which the row trigger does not see.
    """
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_delete")
        cursor.execute("DELETE FROM core_auditevent")
        cursor.execute(_append_only_trigger_sql())


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageProblems:
    """What went wrong in a page that no assertion looks at: JS errors, 5xx, missing assets."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda exc: self.items.append(f"JavaScript error: {exc}"))
        page.on("response", self._response)

    def _response(self, response: Any) -> None:
        url, status = response.url, response.status
        if status >= 500 or (status == 404 and "/static/" in url):
            self.items.append(f"{status} {response.request.method} {url}")


@pytest.fixture
def new_page(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """Make a page in a fresh context (own cookies), e.g. ``new_page(viewport=PHONE)``."""
    contexts: list[BrowserContext] = []
    problems = PageProblems()

    def make(viewport: dict[str, int] | None = None) -> Page:
        context = browser.new_context(
            viewport=viewport or DESKTOP,
            base_url=live_server.url,
            locale="en-GB",
            timezone_id="Asia/Kolkata",
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems.items, "Problems in the browser:\n" + "\n".join(problems.items)


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


@pytest.fixture
def roles(transactional_db: None) -> dict[str, Any]:
    """slug -> Role, re-installed if the flush of an earlier test removed them."""
    from clientdesk.accounts.models import Role, RoleCapability, RoleModuleAccess
    from clientdesk.accounts.roles import install_default_roles

    install_default_roles(Role, RoleModuleAccess, RoleCapability)
    return {role.slug: role for role in Role.objects.all()}


@pytest.fixture
def make_user(roles: dict[str, Any]) -> Callable[..., Any]:
    """``make_user("sales")``: an active user with that role and the password ``PASSWORD``."""
    from django.contrib.auth import get_user_model

    names = {
        "sales": ("Sunil", "Verma"),
        "support": ("Pooja", "Shah"),
        "manager": ("Meena", "Krishnan"),
        "compliance": ("Farhan", "Qureshi"),
        "admin": ("Asha", "Fernandes"),
    }

    def make(slug: str, username: str | None = None) -> Any:
        first, last = names[slug]
        return get_user_model().objects.create_user(
            username=username or f"{slug}.user",
            password=PASSWORD,
            first_name=first,
            last_name=last,
            email=f"{username or slug}@clientdesk.test",
            role=roles[slug],
        )

    return make


@pytest.fixture
def login(live_server: Any) -> Callable[[Page, Any], None]:
    """Sign in through the real login page and wait for the dashboard."""

    def sign_in(page: Page, user: Any) -> None:
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.press("#id_password", "Enter")
        page.wait_for_url(f"{live_server.url}/")

    return sign_in


@pytest.fixture
def customers(make_user: Callable[..., Any]) -> list[Any]:
    """Twenty customers registered through the service by an Admin, all Pending."""
    from clientdesk.customers.services import register_customer

    registrar = make_user("admin", username="registrar")
    made = []
    for n, (first, last, city, state) in enumerate(PEOPLE):
        data = {
            "first_name": first,
            "last_name": last,
            "mobile": f"98200{n:05d}",
            "email": f"{first}.{last}@example.in".lower(),
            "city": city,
            "state": state,
            "country": "IN",
        }
        made.append(register_customer(actor=registrar, data=data))
    return made


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save ``test-artifacts/screenshots/<name>.png`` (gitignored) for the team's review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if full_page:  # sticky bars would otherwise be drawn where the page happens to be scrolled
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path
