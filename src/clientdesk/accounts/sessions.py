"""Signed-in sessions: recorded per user, timed out when idle or too old, ended on demand.

Session keys are kept in ``UserSession`` so every session of a user can be listed and ended
through the configured session engine (database or cache alike). The timestamps the
middleware checks live in the session itself, so an ordinary request costs no query; the
``last_seen_at`` of the row is refreshed at most once a minute.
"""

from __future__ import annotations

import datetime as dt
import time
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from clientdesk.core import audit
from clientdesk.core.middleware import client_ip
from clientdesk.core.permissions import Access, Module, require

from . import two_factor
from .models import UserSession

STARTED = "_cd_signed_in_at"  # epoch seconds of the password step
SEEN = "_cd_seen_at"  # epoch seconds of the last request
TWO_FACTOR = "_cd_two_factor"  # two_factor.VERIFIED / MUST_VERIFY / MUST_ENROL
TOUCH_EVERY = 60  # seconds between writes of the "last seen" time


def start(request: HttpRequest, user: Any) -> None:
    """After the password step: stamp the session and record it against the user."""
    session = request.session
    now = time.time()
    session[STARTED] = session[SEEN] = now
    session[TWO_FACTOR] = two_factor.state_at_sign_in(user)
    if not session.session_key:
        session.save()
    # Records of this user's sessions that timed out unseen go now (they hold nothing).
    UserSession.objects.filter(user=user).exclude(pk__in=_live(user).values("pk")).delete()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "ip_address": client_ip(request) if request.META.get("REMOTE_ADDR") else None,
            "user_agent": request.headers.get("User-Agent", "")[:200],
        },
    )


def forget(request: HttpRequest) -> None:
    """On sign-out: the session is being flushed, drop its record."""
    key = request.session.session_key
    if key:
        UserSession.objects.filter(session_key=key).delete()


def expired(request: HttpRequest) -> str | None:
    """ "idle" or "lifetime" when the session must end now, else None (and note the visit)."""
    session = request.session
    now = time.time()
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:  # a session opened before this was deployed
        start(request, request.user)
        return None
    if now - seen > settings.SESSION_IDLE_TIMEOUT.total_seconds():
        return "idle"
    if now - started > settings.SESSION_ABSOLUTE_LIFETIME.total_seconds():
        return "lifetime"
    if now - seen > TOUCH_EVERY:
        session[SEEN] = now
        UserSession.objects.filter(session_key=session.session_key).update(
            last_seen_at=timezone.now()
        )
    return None


def end_all(user: Any, *, keep: str | None = None) -> int:
    """Delete every session of ``user`` from the session store (but ``keep``)."""
    keys = list(
        UserSession.objects.filter(user=user)
        .exclude(session_key=keep or "")
        .values_list("session_key", flat=True)
    )
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def sign_out_everywhere(user: Any, *, actor: Any, keep: str | None = None) -> int:
    """End the user's sessions (the caller's own one kept when ``keep`` names it). Audited.

    A user may do this for themselves; for anyone else it takes Administration write access.
    """
    if actor.pk != user.pk:
        require(actor, Module.ADMINISTRATION, Access.WRITE)
    with transaction.atomic():
        ended = end_all(user, keep=keep)
        audit.record(
            actor=actor,
            action="sessions_ended",
            target=user,
            changes={"sessions": ended, "kept_current": bool(keep)},
        )
    return ended


def _live(user: Any) -> Any:
    """The user's sessions that may still be in use (not idle or past their lifetime)."""
    now = timezone.now()
    idle = settings.SESSION_IDLE_TIMEOUT + dt.timedelta(seconds=TOUCH_EVERY)
    return UserSession.objects.filter(
        user=user,
        last_seen_at__gte=now - idle,
        created_at__gte=now - settings.SESSION_ABSOLUTE_LIFETIME,
    )


def for_user(user: Any) -> list[UserSession]:
    return list(_live(user).order_by("-last_seen_at"))
