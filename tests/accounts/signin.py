"""Helpers for the sign-in tests: TOTP codes as an app computes them, the password step."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from factories import PASSWORD


def code_for(device: TOTPDevice, ahead: int = 0) -> str:
    """The code the app shows now (``ahead`` steps later: a code not used yet this step)."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + ahead)
    return str(value).zfill(device.digits)


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    """The password step through the real login form."""
    return client.post("/login/", {"username": username, "password": password}, **extra)
