"""The error answers every API operation can give, written into the OpenAPI document.

drf-spectacular documents the success response of each operation. Every operation can also
answer with the shared error shapes of ``core.api.exception_handler`` (400 with field errors,
401, 403, 404, 413, 415, 429 with a ``detail``), so a client generated from the document, and the
schemathesis run in the test suite, know those answers and their bodies. An operation that
documents one of these statuses itself (a batch report on 400, say) keeps its own.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": "Any refusal other than invalid input.",
    "properties": {
        "code": {"type": "string", "description": "Stable error code, e.g. `not_found`."},
        "detail": {"type": "string", "description": "A message for people."},
        "retry_after": {
            "type": "integer",
            "description": "On 429: seconds to wait before the next request.",
        },
    },
    "required": ["code", "detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Invalid input: `errors` maps each field name to its messages.",
    "properties": {
        "code": {"type": "string", "description": "`invalid` or a more specific code."},
        "errors": {
            "type": "object",
            "description": "Field name -> list of messages (nested for nested input); "
            "`non_field_errors` for problems of the whole request.",
            "additionalProperties": {},
        },
    },
    "required": ["code", "errors"],
}

# status -> (component, description, only for operations with a request body)
ERROR_RESPONSES: dict[str, tuple[str, str, bool]] = {
    "400": ("ValidationError", "Invalid input, or a rule of the domain refused it.", False),
    "401": ("Error", "No credentials, or invalid, revoked or expired ones.", False),
    "403": ("Error", "The role, the token's scopes or the row rule do not allow this.", False),
    "404": ("Error", "No such record, or one this user may not see.", False),
    "413": ("Error", "The request body is larger than the server accepts.", True),
    "415": ("Error", "The request body's content type is not one this operation reads.", True),
    "429": ("Error", "Too many requests: wait `Retry-After` seconds.", False),
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before the next request.",
    }
}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the shared error answers on every operation."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    schemas.setdefault("ValidationError", VALIDATION_ERROR_SCHEMA)
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                _add_to(operation)
    return result


def _add_to(operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    for status, (component, description, needs_body) in ERROR_RESPONSES.items():
        if status in responses or (needs_body and "requestBody" not in operation):
            continue
        response: dict[str, Any] = {
            "description": description,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}
            },
        }
        if status == "429":
            response["headers"] = RETRY_AFTER
        responses[status] = response


def build_mock_request(
    method: str, path: str, view: Any, original_request: Any, **kwargs: Any
) -> Any:
    """drf-spectacular's mock request, already anonymous when there is no real request.

    Describing a view (``manage.py check``, ``spectacular``) reads ``request.user`` in some
    ``get_queryset``; left unauthenticated, that ran the authentication classes, whose
    per-IP throttle then counted ~100 mock requests and refused the later ones.
    """
    from django.contrib.auth.models import AnonymousUser
    from drf_spectacular.plumbing import build_mock_request as build

    request = build(method, path, view, original_request, **kwargs)
    if original_request is None:
        request.user, request.auth = AnonymousUser(), None
    return request
