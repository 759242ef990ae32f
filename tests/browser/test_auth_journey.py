"""Sign-in security in a real browser: an Admin enrols an authenticator app through the QR
page, keeps the recovery codes, signs in again with a code; a user who keeps mistyping is
locked out and told so; the Admin unlocks them from the user's page."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from clientdesk.accounts import two_factor

from .conftest import PASSWORD, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def _code(secret: str, ahead: int = 0) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return str(totp(key, drift=ahead)).zfill(6)


def _sign_out(page: Page) -> None:
    page.locator("details.user-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))


def test_admin_enrols_verifies_and_unlocks_a_user(
    new_page: Callable[..., Page], make_user: Callable[..., Any], settings: Any
) -> None:
    settings.TWO_FACTOR_ENFORCED = True
    settings.AXES_ENABLED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # retry at once after a wrong code
    admin = make_user("admin")
    seller = make_user("sales")
    device = two_factor.pending_device(seller)  # enrolled by choice: the Admin may reset it
    two_factor.confirm_enrolment(
        seller, actor=seller, token=_code(two_factor.secret_base32(device))
    )
    page = new_page()

    page.goto("/login/")
    screenshot(page, "auth-login")
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    expect(page).to_have_url(re.compile(r"/account/two-factor/$"))
    expect(page.get_by_text("Your role needs a second factor")).to_be_visible()
    expect(page.locator("[data-testid=qr] svg")).to_be_visible()
    page.goto("/customers/")  # nothing else opens before enrolment
    expect(page).to_have_url(re.compile(r"/account/two-factor/\?next="))
    page.get_by_text("Cannot scan? Type this key instead").click()
    secret = (page.locator("[data-testid=secret]").text_content() or "").strip()
    screenshot(page, "auth-enrol-qr")

    page.fill("#id_code", _code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    codes = page.locator("[data-testid=recovery-codes] li")
    expect(codes).to_have_count(10)
    screenshot(page, "auth-recovery-codes")
    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page).to_have_url(re.compile(r"/customers/$"))

    _sign_out(page)
    page.fill("#id_username", admin.username)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    expect(page).to_have_url(re.compile(r"/login/verify/$"))
    screenshot(page, "auth-verify")
    page.fill("#id_code", "000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    page.fill("#id_code", _code(secret, ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/$"))

    other = new_page()
    other.goto("/login/")
    for _ in range(5):
        other.fill("#id_username", seller.username)
        other.fill("#id_password", "not my password")
        other.press("#id_password", "Enter")
        other.wait_for_load_state()
    lock = other.locator("[data-testid=lockout]")
    expect(lock).to_contain_text("Sign-in locked.")
    other.fill("#id_username", seller.username)
    other.fill("#id_password", PASSWORD)
    other.press("#id_password", "Enter")
    expect(lock).to_contain_text("locked for 15 minutes")
    screenshot(other, "auth-lockout")

    page.goto(f"/admin-area/users/{seller.pk}/")
    expect(page.locator("[data-testid=locked]")).to_be_visible()
    screenshot(page, "auth-admin-user")
    expect(page.get_by_role("button", name="Reset second factor")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out everywhere")).to_be_visible()
    page.get_by_role("button", name="Unlock sign-in").click()
    expect(page.get_by_text("can sign in again")).to_be_visible()
    page.get_by_role("button", name="Reset second factor").click()
    page.locator("#confirm-dialog [data-confirm-ok]").click()
    expect(page.get_by_text("Second factor reset")).to_be_visible()

    other.fill("#id_username", seller.username)
    other.fill("#id_password", PASSWORD)
    other.press("#id_password", "Enter")
    expect(other).to_have_url(re.compile(r"/$"))
    other.goto("/account/")
    expect(other.locator("[data-testid=sessions]")).to_contain_text("This browser")
    screenshot(other, "auth-account")
