"""API glue shared by every domain: permissions, pagination, error shape."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, permissions, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .permissions import Access, has_access


class ModulePermission(permissions.BasePermission):
    """READ for safe methods, WRITE otherwise, on the view's ``module``.

    A view may name ``read_actions`` (e.g. "reveal") that only need READ.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        action = getattr(view, "action", None)
        safe = request.method in permissions.SAFE_METHODS or action in getattr(
            view, "read_actions", ()
        )
        return has_access(request.user, view.module, Access.READ if safe else Access.WRITE)


BIGINT_MAX = 2**63 - 1


class IdField(serializers.IntegerField):
    """A record id sent to the API: 1 to the bigint maximum. Without the upper bound an id
    list such as ``ids=[10**24]`` reached SQLite as an integer it cannot bind (a 500)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(**kwargs)


class DefaultCursorPagination(CursorPagination):
    """Keyset pagination: page 10,000 costs what page 1 costs.

    Ordering comes from the FilterSet's ``sort`` parameter (the same one the page uses).
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("id",)

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        ordering = tuple(queryset.query.order_by)
        return ordering or self.ordering


def request_object(request: Request) -> dict[str, Any]:
    """The request body as a plain dict of single values, for services that take a mapping.

    A form body (a QueryDict, one list per key) gives its last value per key; a JSON body
    that is not an object (a list, a number) is refused with a 400, never passed on.
    """
    data = request.data
    if hasattr(data, "dict"):
        found = dict(data.dict())
        if any("\x00" in str(v) for v in found.values()):  # JSON is checked by the parser
            raise exceptions.ValidationError(
                {"non_field_errors": ["Text may not contain NUL (\\x00) characters."]}
            )
        return found
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
    return dict(data)


def _django_validation_detail(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for e in errs for m in e.messages]
            for field, errs in exc.error_dict.items()
        }
    return {"non_field_errors": exc.messages}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Field errors as a JSON map with a stable code; services' Django errors mapped too."""
    from clientdesk.approvals.gate import PendingApproval

    if isinstance(exc, PendingApproval):  # maker-checker: stored, not applied (202)
        body = {
            "code": "pending_approval",
            "detail": str(exc),
            "approval_request": exc.request.pk,
        }
        return Response(body, status=202)
    if isinstance(exc, DjangoValidationError):
        codes = {
            getattr(e, "code", None)
            for errs in getattr(exc, "error_dict", {}).values()
            for e in errs
        } - {None}
        body = _django_validation_detail(exc)
        code = next(iter(codes)) if len(codes) == 1 else "invalid"
        return Response({"code": code, "errors": body}, status=400)
    if isinstance(exc, RequestDataTooBig):
        from .errors import too_large_message

        return Response({"code": "too_large", "detail": too_large_message()}, status=413)
    if isinstance(exc, SuspiciousOperation):  # e.g. too many form fields: the client's fault
        exc = exceptions.ParseError(str(exc) or None)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        response.data = {"code": "invalid", "errors": data}
    elif isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
        if response.status_code == 400:  # every 400 has the same shape: field-named errors
            response.data = {"code": code, "errors": {"non_field_errors": [str(exc.detail)]}}
        else:
            response.data = {"code": code, "detail": str(exc.detail)}
        wait = getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None
        if wait is not None:
            response.data["retry_after"] = math.ceil(wait)
    return response
