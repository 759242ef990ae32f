from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

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
