from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from .context import ActionContext, action_context

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request: HttpRequest) -> str | None:
    """The client address for the audit trail.

    X-Real-IP is believed only when the direct peer is a proxy listed in
    ``TRUSTED_PROXY_IPS``; anyone else could write any address into the audit trail.
    """
    remote = request.META.get("REMOTE_ADDR")
    forwarded = request.META.get("HTTP_X_REAL_IP", "").strip()
    if forwarded and remote in settings.TRUSTED_PROXY_IPS:
        return forwarded
    return remote


class RequestContextMiddleware:
    """Stamps each request with a request id and the client IP for the audit trail."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        source = "api" if request.path.startswith("/api/") else "web"
        ctx = ActionContext(source=source, ip_address=client_ip(request), request_id=request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        with action_context(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class PermissionsPolicyMiddleware:
    """Sends ``Permissions-Policy`` built from ``settings.PERMISSIONS_POLICY``.

    ``{"camera": []}`` becomes ``camera=()`` (off for the page and anything it embeds);
    ``{"fullscreen": ["self"]}`` becomes ``fullscreen=(self)``. A header a view set is kept.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allow)})"
            for feature, allow in getattr(settings, "PERMISSIONS_POLICY", {}).items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.header
        return response


class NoStoreForSignedInMiddleware:
    """``Cache-Control: no-store`` on every answer to a signed-in user, pages and API alike.

    What a signed-in user sees carries customer data: no browser cache, back-button snapshot or
    shared proxy may keep it. The user is read after the view ran, so an API call signed with a
    token (authenticated by DRF inside the view, which sets ``request.user``) counts too. Static
    files never get here (WhiteNoise answers them first) and stay cacheable; the check on
    ``STATIC_URL`` covers a set-up where Django itself serves them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and "no-store" not in response.get("Cache-Control", "")  # a view's own is kept
            and not request.path.startswith(settings.STATIC_URL or "/static/")
        ):
            add_never_cache_headers(response)
        return response
