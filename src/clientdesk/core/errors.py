"""Django's error views, answering JSON under ``/api/``.

A request Django refuses before any API view runs (a URL that matches no route, a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE``, an unhandled error) used to get the HTML error page even
from the API. Under ``/api/`` the answer now has the API's error shape and a JSON content
type; every other path keeps the HTML pages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def too_large_message() -> str:
    from django.conf import settings

    return (
        f"The request body is larger than the {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes "
        "this server accepts."
    )


def bad_request(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if not is_api(request):
        return defaults.bad_request(request, exception, **kwargs)
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse({"code": "too_large", "detail": too_large_message()}, status=413)
    body = {"code": "bad_request", "errors": {"non_field_errors": ["Malformed request."]}}
    return JsonResponse(body, status=400)


def permission_denied(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if not is_api(request):
        return defaults.permission_denied(request, exception, **kwargs)
    detail = str(exception) or "You do not have permission to perform this action."
    return JsonResponse({"code": "permission_denied", "detail": detail}, status=403)


def page_not_found(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if not is_api(request):
        return defaults.page_not_found(request, exception, **kwargs)
    return JsonResponse({"code": "not_found", "detail": "No such API path."}, status=404)


def server_error(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    if not is_api(request):
        return defaults.server_error(request, **kwargs)
    detail = "Server error. It has been logged; the request id is in X-Request-ID."
    return JsonResponse({"code": "server_error", "detail": detail}, status=500)
