"""Sign-in events into the audit trail, and the session bookkeeping that goes with them.

Connected in ``AccountsConfig.ready`` so they work whatever has been imported (a test's
``force_login`` before any URL was resolved included).
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from clientdesk.core import audit

from . import sessions


@receiver(user_logged_in)
def _audit_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    sessions.start(request, user)
    audit.record(
        actor=user,
        action="login",
        target=user,
        changes={"second_factor": request.session.get(sessions.TWO_FACTOR)},
    )


@receiver(user_logged_out)
def _audit_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.forget(request)
    if user is not None:
        reason = getattr(request, "signout_reason", "")
        audit.record(
            actor=user,
            action="logout",
            target=user,
            changes={"reason": reason} if reason else None,
        )


@receiver(user_login_failed)
def _audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username", ""))[:150]
    changes = {"locked_out": True} if getattr(request, "axes_locked_out", False) else None
    audit.record(
        actor=None,
        action="login_failed",
        target=audit.Target("accounts.user", "", username),
        changes=changes,
    )


@receiver(user_locked_out)
def _audit_lockout(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    if getattr(request, "axes_failures_since_start", None) is None:
        return  # an attempt while already locked: recorded as login_failed (locked_out)
    until = timezone.now() + settings.AXES_COOLOFF_TIME
    audit.record(
        actor=None,
        action="lockout",
        target=audit.Target("accounts.user", "", str(username or "")[:150]),
        changes={
            "username": str(username or "")[:150],
            "ip_address": ip_address or "",
            "failures": getattr(request, "axes_failures_since_start", None),
            "until": timezone.localtime(until).isoformat(timespec="seconds"),
        },
    )
