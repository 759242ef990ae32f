"""Two-factor sign-in: enrolment with a QR code, the verify step, recovery codes, the
per-role requirement, an Admin's reset, and API tokens left alone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk.accounts import two_factor
from clientdesk.accounts.models import RecoveryCode, Role
from clientdesk.accounts.services import issue_api_token
from clientdesk.core.models import AuditEvent

from .signin import code_for, sign_in

pytestmark = pytest.mark.django_db


def _actions(user: Any) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_admin_and_compliance_require_two_factor_by_default(roles: dict[str, Role]) -> None:
    required = {slug for slug, role in roles.items() if role.requires_two_factor}
    assert required == {"admin", "compliance"}


# --- enrolment -------------------------------------------------------------------------------


def test_required_user_without_device_is_sent_to_enrolment_and_held_there(
    enforced: Any, admin_user: Any
) -> None:
    client = Client()
    response = sign_in(client, "admin1")
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/"
    for path in ("/", "/customers/", "/admin-area/users/", "/account/"):
        held = client.get(path)
        assert held.status_code == 302, path
        assert held["Location"].startswith("/account/two-factor/"), path
    api = client.get("/api/v1/customers/")
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor"
    assert client.get("/account/two-factor/").status_code == 200


def test_enrolment_page_shows_an_inline_svg_qr_and_no_script(
    enforced: Any, admin_user: Any
) -> None:
    client = Client()
    sign_in(client, "admin1")
    page = client.get("/account/two-factor/")
    html = page.content.decode()
    svg = re.search(r"<svg .*?</svg>", html, re.S)
    assert svg is not None
    assert "<script" not in html
    assert "style=" not in svg.group(0) and "on" + "load" not in svg.group(0)
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    assert two_factor.secret_base32(device) in html
    # A reload keeps the same secret, so a code scanned a moment ago still matches.
    assert two_factor.secret_base32(device) in client.get("/account/two-factor/").content.decode()
    assert TOTPDevice.objects.filter(user=admin_user).count() == 1


def test_enrolment_confirms_with_a_code_and_shows_recovery_codes_once(
    enforced: Any, admin_user: Any
) -> None:
    client = Client()
    sign_in(client, "admin1")
    client.get("/account/two-factor/")
    device = TOTPDevice.objects.get(user=admin_user)
    wrong = client.post("/account/two-factor/", {"code": "000000"})
    assert wrong.status_code == 400
    assert b"does not match" in wrong.content
    response = client.post("/account/two-factor/", {"code": code_for(device)})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    codes = re.findall(r"<li>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</li>", response.content.decode())
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    stored = set(RecoveryCode.objects.filter(user=admin_user).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h for code in codes for h in stored)
    assert client.get("/").status_code == 200  # enrolled: the app opens
    assert _actions(admin_user)[-2:] == ["two_factor_failed", "two_factor_enrolled"]


def test_optional_role_may_enrol_from_the_account_page(sales_user: Any, enrolled: Any) -> None:
    client = Client()
    client.force_login(sales_user)
    page = client.get("/account/")
    assert b"Set up two-factor sign-in" in page.content
    enrolled(sales_user)
    client.logout()
    assert sign_in(Client(), "sales1")["Location"] == "/login/verify/"


# --- the verify step -------------------------------------------------------------------------


def test_enrolled_user_verifies_after_password_and_is_held_until_then(
    enforced: Any, admin_user: Any, enrolled: Any
) -> None:
    device, _ = enrolled(admin_user)
    client = Client()
    response = sign_in(client, "admin1")
    assert response["Location"] == "/login/verify/"
    held = client.get("/customers/")
    assert held["Location"] == "/login/verify/?next=%2Fcustomers%2F"
    wrong = client.post("/login/verify/", {"code": "123456"})
    assert wrong.status_code == 400
    assert b"not right" in wrong.content
    ok = client.post("/login/verify/", {"code": code_for(device, ahead=1), "next": "/customers/"})
    assert ok.status_code == 302 and ok["Location"] == "/customers/"
    assert client.get("/customers/").status_code == 200
    assert _actions(admin_user)[-3:] == ["login", "two_factor_failed", "two_factor_ok"]


def test_a_totp_code_cannot_be_used_twice(enforced: Any, admin_user: Any, enrolled: Any) -> None:
    device, _ = enrolled(admin_user)
    code = code_for(device, ahead=1)
    first = Client()
    sign_in(first, "admin1")
    assert first.post("/login/verify/", {"code": code}).status_code == 302
    second = Client()
    sign_in(second, "admin1")
    assert second.post("/login/verify/", {"code": code}).status_code == 400


def test_wrong_codes_are_throttled(admin_user: Any, enrolled: Any, settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    device, _ = enrolled(admin_user)
    client = Client()
    sign_in(client, "admin1")
    assert client.post("/login/verify/", {"code": "000000"}).status_code == 400
    # Right code, but within the throttle's wait after a failure: refused, and said so.
    response = client.post("/login/verify/", {"code": code_for(device, ahead=1)})
    assert response.status_code == 429
    assert b"wait a few seconds" in response.content
    assert AuditEvent.objects.filter(action="two_factor_failed").latest("seq").changes == {
        "step": "verify",
        "throttled": True,
    }
    assert client.get("/")["Location"] == "/login/verify/"


def test_too_many_wrong_codes_sign_the_half_session_out(
    enforced: Any, admin_user: Any, enrolled: Any
) -> None:
    enrolled(admin_user)
    client = Client()
    sign_in(client, "admin1")
    for _ in range(4):
        assert client.post("/login/verify/", {"code": "000000"}).status_code == 400
    last = client.post("/login/verify/", {"code": "000000"})
    assert last["Location"] == "/login/"
    assert client.get("/")["Location"].startswith("/login/")
    event = AuditEvent.objects.filter(action="logout").latest("seq")
    assert event.changes == {"reason": "two_factor_failed"}


def test_a_recovery_code_works_once(enforced: Any, admin_user: Any, enrolled: Any) -> None:
    _, codes = enrolled(admin_user)
    client = Client()
    sign_in(client, "admin1")
    response = client.post("/login/verify/", {"code": codes[0].lower()}, follow=True)
    assert response.status_code == 200
    assert b"recovery code; 9 left" in response.content
    again = Client()
    sign_in(again, "admin1")
    assert again.post("/login/verify/", {"code": codes[0]}).status_code == 400
    event = AuditEvent.objects.filter(action="recovery_code_used").get()
    assert event.changes == {"codes_left": 9}
    assert codes[0] not in str(event.changes)


def test_user_regenerates_recovery_codes_and_the_old_ones_stop(
    enforced: Any, admin_user: Any, enrolled: Any
) -> None:
    device, old = enrolled(admin_user)
    client = Client()
    sign_in(client, "admin1")
    client.post("/login/verify/", {"code": code_for(device, ahead=1)})
    page = client.post("/account/", {"action": "recovery_codes"})
    new = re.findall(r"<li>([A-Z0-9-]{14})</li>", page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert two_factor.verify(admin_user, code=old[1]) is None
    assert two_factor.verify(admin_user, code=new[1]) == "recovery"
    assert "recovery_codes_new" in _actions(admin_user)


def test_enforcement_switched_off_lets_a_required_role_in_without_a_device(
    admin_user: Any, settings: Any
) -> None:
    settings.TWO_FACTOR_ENFORCED = False
    client = Client()
    assert sign_in(client, "admin1")["Location"] == "/"
    assert client.get("/").status_code == 200


def test_an_enrolled_user_is_asked_even_when_enforcement_is_off(
    admin_user: Any, enrolled: Any, settings: Any
) -> None:
    settings.TWO_FACTOR_ENFORCED = False
    enrolled(admin_user)
    assert sign_in(Client(), "admin1")["Location"] == "/login/verify/"


# --- the role matrix -------------------------------------------------------------------------


def test_the_requirement_is_a_field_of_the_role_in_the_matrix(
    admin_user: Any, sales_user: Any, roles: dict[str, Role], settings: Any
) -> None:
    client = Client()
    client.force_login(admin_user)  # signed in before the requirement is switched on
    settings.TWO_FACTOR_ENFORCED = True
    page = client.get("/admin-area/roles/")
    assert b"Two-factor sign-in" in page.content
    sales = roles["sales"]
    data = {f"scope_{sales.pk}": sales.edit_scope, f"two_factor_{sales.pk}": "1"}
    assert client.post("/admin-area/roles/", data).status_code == 302
    sales.refresh_from_db()
    assert sales.requires_two_factor
    event = AuditEvent.objects.filter(action="permission_change").latest("seq")
    assert event.changes["requires_two_factor"] == {"old": False, "new": True}
    assert sign_in(Client(), "sales1")["Location"] == "/account/two-factor/"
    # A form without the row's select keeps the stored value.
    client.post("/admin-area/roles/", {f"scope_{sales.pk}": sales.edit_scope})
    sales.refresh_from_db()
    assert sales.requires_two_factor


# --- an Admin's reset ------------------------------------------------------------------------


def test_admin_resets_a_users_factor(
    enforced: Any, admin_user: Any, compliance: Any, enrolled: Any, sales_user: Any
) -> None:
    device, _ = enrolled(compliance)
    officer = Client()
    sign_in(officer, "compliance1")
    officer.post("/login/verify/", {"code": code_for(device, ahead=1)})
    assert officer.get("/").status_code == 200
    admin = Client()
    enforced.TWO_FACTOR_ENFORCED = False  # the Admin's own sign-in is not under test here
    admin.force_login(admin_user)
    enforced.TWO_FACTOR_ENFORCED = True
    page = admin.get(f"/admin-area/users/{compliance.pk}/")
    assert b"Reset second factor" in page.content
    seller = Client()
    seller.force_login(sales_user)
    denied = seller.post(f"/admin-area/users/{compliance.pk}/", {"action": "reset_two_factor"})
    assert denied.status_code == 403
    assert TOTPDevice.objects.filter(user=compliance).exists()
    response = admin.post(f"/admin-area/users/{compliance.pk}/", {"action": "reset_two_factor"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=compliance).exists()
    assert not RecoveryCode.objects.filter(user=compliance).exists()
    assert officer.get("/")["Location"].startswith("/login/")  # signed out
    event = AuditEvent.objects.filter(action="two_factor_reset").get()
    assert event.actor_id == admin_user.pk
    assert event.changes == {"devices": 1, "recovery_codes": 10, "sessions_ended": 1}
    assert sign_in(Client(), "compliance1")["Location"] == "/account/two-factor/"


# --- the API ---------------------------------------------------------------------------------


def test_api_token_authentication_is_not_affected(
    enforced: Any, admin_user: Any, enrolled: Any
) -> None:
    enrolled(admin_user)
    key = issue_api_token(admin_user, actor=None)
    response = Client().get("/api/v1/customers/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
