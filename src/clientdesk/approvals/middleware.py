"""Pages: a change the gate sent for approval answers "Sent for approval", not an error."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from .gate import PendingApproval


class PendingApprovalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, PendingApproval) or request.path.startswith("/api/"):
            return None
        messages.info(
            request,
            f"Sent for approval: {exc.request.summary}. A second person must approve it "
            f"(request #{exc.request.pk}).",
        )
        back = request.META.get("HTTP_REFERER", "")
        safe = url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
        target = back if back and safe else f"/approvals/{exc.request.pk}/"
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
