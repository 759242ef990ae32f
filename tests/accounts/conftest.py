"""Sign-in helpers for the authentication tests: enforcement and lockout switched on, a
signed-in-by-password client, TOTP codes computed like an authenticator app does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk.accounts import two_factor

from .signin import code_for


@pytest.fixture
def enforced(settings: Any) -> Any:
    """Two-factor required for the roles that ask for it (the production default)."""
    settings.TWO_FACTOR_ENFORCED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code then the right one, without waiting
    return settings


@pytest.fixture
def lockout_on(settings: Any) -> Any:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    return settings


@pytest.fixture
def enrolled() -> Callable[[Any], tuple[TOTPDevice, list[str]]]:
    """``enrolled(user)`` -> (confirmed device, recovery codes), through the service."""

    def make(user: Any) -> tuple[TOTPDevice, list[str]]:
        device = two_factor.pending_device(user)
        codes = two_factor.confirm_enrolment(user, actor=user, token=code_for(device))
        assert codes is not None
        device.refresh_from_db()
        return device, codes

    return make
