"""Every kind of sign-in event lands in the audit trail, chained like any other record.

Successful logins used to be lost: the ``user_logged_in`` receiver decorated a view class
instead of the audit function. These tests go through the real pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from clientdesk.core import audit
from clientdesk.core.models import AuditEvent

from .signin import code_for, sign_in

pytestmark = pytest.mark.django_db


def _last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("seq")


def test_successful_login_is_audited_with_actor_and_address(sales_user: Any) -> None:
    response = sign_in(Client(), "sales1", REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 302
    event = _last("login")
    assert event.actor_id == sales_user.pk
    assert (event.object_type, event.object_id) == ("accounts.user", str(sales_user.pk))
    assert event.ip_address == "203.0.113.5"
    assert event.source == "web"
    assert event.changes == {"second_factor": "ok"}


def test_force_login_is_audited_too(sales_user: Any) -> None:
    Client().force_login(sales_user)
    assert _last("login").actor_id == sales_user.pk


def test_failed_login_is_audited_without_the_password(sales_user: Any) -> None:
    sign_in(Client(), "sales1", "hunter2-wrong")
    event = _last("login_failed")
    assert event.actor_id is None
    assert event.object_repr == "sales1"
    assert "hunter2" not in str(event.changes)


def test_logout_is_audited(sales_user: Any) -> None:
    client = Client()
    sign_in(client, "sales1")
    client.post("/logout/")
    event = _last("logout")
    assert event.actor_id == sales_user.pk and event.changes == {}


def test_every_kind_of_sign_in_event_lands(
    enforced: Any, lockout_on: Any, admin_user: Any, compliance: Any, enrolled: Any
) -> None:
    """Login, failure, logout, lockout, 2FA success and failure, recovery code, factor
    reset, sign out everywhere, unlock: each leaves its record, and the chain verifies."""
    device, codes = enrolled(compliance)
    officer = Client()
    sign_in(officer, "compliance1")  # login (second factor pending)
    officer.post("/login/verify/", {"code": "000000"})  # two_factor_failed
    officer.post("/login/verify/", {"code": code_for(device, ahead=1)})  # two_factor_ok
    officer.post("/logout/")  # logout
    other = Client()
    sign_in(other, "compliance1")
    other.post("/login/verify/", {"code": codes[0]})  # recovery_code_used
    other.post("/account/", {"action": "sign_out_everywhere"})  # sessions_ended
    for _ in range(5):
        sign_in(Client(), "compliance1", "wrong")  # login_failed x5, then lockout
    admin = Client()
    lockout_on.TWO_FACTOR_ENFORCED = False
    admin.force_login(admin_user)
    lockout_on.TWO_FACTOR_ENFORCED = True
    url = f"/admin-area/users/{compliance.pk}/"
    admin.post(url, {"action": "unlock"})  # unlock
    admin.post(url, {"action": "reset_two_factor"})  # two_factor_reset
    seen = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "login",
        "login_failed",
        "logout",
        "lockout",
        "unlock",
        "two_factor_ok",
        "two_factor_failed",
        "recovery_code_used",
        "two_factor_enrolled",
        "two_factor_reset",
        "sessions_ended",
    } <= seen
    assert audit.verify().ok
