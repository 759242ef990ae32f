"""Brute-force protection: per account and per address, a clear message on the login page,
unlock by cool-off or by an Admin, everything in the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client

from clientdesk.accounts import lockout
from clientdesk.core.models import AuditEvent

from .signin import sign_in

pytestmark = pytest.mark.django_db


def _fail(client: Client, username: str, times: int, ip: str = "10.0.0.1") -> None:
    for _ in range(times):
        response = sign_in(client, username, "wrong password", REMOTE_ADDR=ip)
        assert response.status_code in (200, 429)


def test_thirty_wrong_passwords_then_the_right_one_is_refused(
    lockout_on: Any, sales_user: Any
) -> None:
    client = Client()
    _fail(client, "sales1", 30)
    response = sign_in(client, "sales1", REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/")["Location"].startswith("/login/")


def test_the_login_page_says_why_and_for_how_long(lockout_on: Any, sales_user: Any) -> None:
    client = Client()
    _fail(client, "sales1", 3)
    fourth = sign_in(client, "sales1", "nope", REMOTE_ADDR="10.0.0.1")
    assert fourth.status_code == 200 and b"Sign-in locked" not in fourth.content
    fifth = sign_in(client, "sales1", "nope", REMOTE_ADDR="10.0.0.1")
    assert fifth.status_code == 429
    html = fifth.content.decode()
    assert 'data-testid="lockout"' in html
    assert "Sign-in locked." in html and "locked for 15 minutes" in html
    assert 'name="username"' in html  # the form is still there, with the message above it


def test_lockout_is_audited_with_when_it_ends(lockout_on: Any, sales_user: Any) -> None:
    _fail(Client(), "sales1", 5)
    event = AuditEvent.objects.filter(action="lockout").get()
    assert event.changes["username"] == "sales1"
    assert event.changes["ip_address"] == "10.0.0.1"
    assert event.changes["failures"] == 5
    until = dt.datetime.fromisoformat(event.changes["until"])
    assert dt.timedelta(minutes=14) < until - event.created_at <= dt.timedelta(minutes=15)
    sign_in(Client(), "sales1", REMOTE_ADDR="10.0.0.9")
    locked_try = AuditEvent.objects.filter(action="login_failed").latest("seq")
    assert locked_try.changes == {"locked_out": True}
    assert AuditEvent.objects.filter(action="lockout").count() == 1


def test_the_account_is_locked_from_every_address(lockout_on: Any, sales_user: Any) -> None:
    _fail(Client(), "sales1", 5, ip="10.0.0.1")
    assert sign_in(Client(), "sales1", REMOTE_ADDR="192.0.2.7").status_code == 429


def test_an_address_trying_many_accounts_is_locked(
    lockout_on: Any, sales_user: Any, support_user: Any
) -> None:
    client = Client()
    for name in ("ghost1", "ghost2", "ghost3", "ghost4", "ghost5"):
        _fail(client, name, 1, ip="10.0.0.66")
    assert sign_in(Client(), "support1", REMOTE_ADDR="10.0.0.66").status_code == 429
    # The same account from another address is fine.
    assert sign_in(Client(), "support1", REMOTE_ADDR="10.0.0.67").status_code == 302


def test_a_successful_sign_in_clears_the_count(lockout_on: Any, sales_user: Any) -> None:
    for _ in range(3):
        _fail(Client(), "sales1", 4)
        assert sign_in(Client(), "sales1", REMOTE_ADDR="10.0.0.1").status_code == 302


def test_the_lock_ends_after_the_cool_off(lockout_on: Any, sales_user: Any) -> None:
    _fail(Client(), "sales1", 5)
    assert sign_in(Client(), "sales1", REMOTE_ADDR="10.0.0.1").status_code == 429
    past = AccessAttempt.objects.get(username="sales1").attempt_time - dt.timedelta(minutes=16)
    AccessAttempt.objects.update(attempt_time=past)
    assert sign_in(Client(), "sales1", REMOTE_ADDR="10.0.0.1").status_code == 302


def test_the_cool_off_is_configurable(lockout_on: Any, sales_user: Any) -> None:
    lockout_on.AXES_COOLOFF_TIME = dt.timedelta(minutes=60)
    _fail(Client(), "sales1", 5)
    assert "locked for 60 minutes" in lockout.lockout_message()
    past = AccessAttempt.objects.get(username="sales1").attempt_time - dt.timedelta(minutes=16)
    AccessAttempt.objects.update(attempt_time=past)
    assert sign_in(Client(), "sales1", REMOTE_ADDR="10.0.0.1").status_code == 429


def test_an_admin_unlocks_from_the_users_page(
    lockout_on: Any, sales_user: Any, admin_user: Any, support_user: Any
) -> None:
    _fail(Client(), "sales1", 5)
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get(f"/admin-area/users/{sales_user.pk}/")
    assert b'data-testid="locked"' in page.content
    assert b"Unlock sign-in" in page.content
    support = Client()
    support.force_login(support_user)
    refused = support.post(f"/admin-area/users/{sales_user.pk}/", {"action": "unlock"})
    assert refused.status_code == 403
    response = admin.post(f"/admin-area/users/{sales_user.pk}/", {"action": "unlock"})
    assert response.status_code == 302
    assert not lockout.status(sales_user).locked
    event = AuditEvent.objects.filter(action="unlock").get()
    assert event.actor_id == admin_user.pk and event.object_id == str(sales_user.pk)
    assert event.changes == {"attempts_cleared": 1, "was_locked": True}
    assert sign_in(Client(), "sales1", REMOTE_ADDR="10.0.0.1").status_code == 302


def test_lockout_status_counts_only_recent_failures(lockout_on: Any, sales_user: Any) -> None:
    _fail(Client(), "sales1", 3)
    found = lockout.status(sales_user)
    assert (found.failures, found.locked, found.until) == (3, False, None)
    _fail(Client(), "sales1", 2)
    found = lockout.status(sales_user)
    assert found.locked and found.until is not None
