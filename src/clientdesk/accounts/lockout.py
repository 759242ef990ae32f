"""Brute-force protection around django-axes: the lockout page, a user's lock, unlocking.

Axes counts failed passwords per account and per client address (settings
``AXES_LOCKOUT_PARAMETERS``) within the cool-off; at ``AXES_FAILURE_LIMIT`` the next
attempts are refused, even with the right password, until the cool-off has passed or an
Admin unlocks the account. The lockout and the unlock are audited (accounts.signals and
``unlock`` below).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from clientdesk.core import audit
from clientdesk.core.permissions import Access, Module, require


def _minutes(delta: dt.timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def lockout_message() -> str:
    return (
        "Too many failed sign-in attempts. Sign-in for this account or from this network "
        f"address is locked for {_minutes(settings.AXES_COOLOFF_TIME)}. Try again later, or "
        "ask an Admin to unlock your account."
    )


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """The login page again, with the lockout message in place of the form's errors."""
    username = (credentials or {}).get("username", "") if isinstance(credentials, dict) else ""
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "lockout": lockout_message(), "next": request.POST.get("next", "")}
    return render(
        request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )


@dataclass(frozen=True)
class LockStatus:
    failures: int
    locked: bool
    until: dt.datetime | None


def status(user: Any) -> LockStatus:
    """Recent failed passwords for this username and whether they lock it now."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    found = AccessAttempt.objects.filter(username=user.username, attempt_time__gte=since).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    failures = found["failures"] or 0
    locked = bool(settings.AXES_ENABLED) and failures >= settings.AXES_FAILURE_LIMIT
    until = found["last"] + settings.AXES_COOLOFF_TIME if locked and found["last"] else None
    return LockStatus(failures, locked, until)


def unlock(user: Any, *, actor: Any) -> int:
    """An Admin clears the failed attempts recorded for this username. Audited.

    Attempts against other usernames from the same address are left alone: an address that
    tried many accounts stays locked until its cool-off ends.
    """
    require(actor, Module.ADMINISTRATION, Access.WRITE)
    with transaction.atomic():
        was = status(user)
        cleared = AccessAttempt.objects.filter(username=user.username).delete()[0]
        audit.record(
            actor=actor,
            action="unlock",
            target=user,
            changes={"attempts_cleared": cleared, "was_locked": was.locked},
        )
    return cleared
