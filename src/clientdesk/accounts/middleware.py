"""Every signed-in request: end idle or too-old sessions, and hold a user who still owes a
second factor at the verify (or enrolment) step. Costs no query on an ordinary request."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from . import sessions, two_factor

_SIGNED_OUT = {
    "idle": "You were signed out after {idle} without activity. Sign in again to continue.",
    "lifetime": "Your session reached its {hours}-hour limit. Sign in again to continue.",
}


class SignInMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            reason = sessions.expired(request)
            if reason:
                return _sign_out(request, reason)
            pending = request.session.get(sessions.TWO_FACTOR, two_factor.VERIFIED)
            if pending != two_factor.VERIFIED:
                held = _hold(request, pending)
                if held is not None:
                    return held
        return self.get_response(request)


def _sign_out(request: HttpRequest, reason: str) -> HttpResponse:
    from django.conf import settings

    request.signout_reason = reason  # type: ignore[attr-defined]  # read by the audit receiver
    next_path = request.get_full_path() if request.method == "GET" else ""
    logout(request)
    idle_minutes = int(settings.SESSION_IDLE_TIMEOUT.total_seconds() // 60)
    hours = settings.SESSION_ABSOLUTE_LIFETIME.total_seconds() / 3600
    text = _SIGNED_OUT[reason].format(idle=f"{idle_minutes} minutes", hours=f"{hours:g}")
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": text, "code": "session_expired"}, status=401)
    messages.info(request, text)
    return _to("login", next_path)


def _hold(request: HttpRequest, pending: str) -> HttpResponse | None:
    """None when the path is part of the step the user owes; else where to go instead."""
    step = "login-verify" if pending == two_factor.MUST_VERIFY else "account:two_factor"
    if request.path in (reverse(step), reverse("logout")) or request.path.startswith("/static/"):
        return None
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": "Finish signing in with your second factor.", "code": "two_factor"},
            status=403,
        )
    return _to(step, request.get_full_path() if request.method == "GET" else "")


def _to(name: str, next_path: str) -> HttpResponse:
    url = reverse(name)
    if next_path and next_path != "/":
        url += "?" + urlencode({"next": next_path})
    return redirect(url)
