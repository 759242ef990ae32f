"""The whole published API, fuzzed from its own OpenAPI document (schemathesis, in-process).

Every operation of ``/api/schema/`` is called through the WSGI application with generated
requests: valid ones (positive mode) and invalid ones (negative mode), as an Admin (every
module) and as a read-only role. The run is bounded (a few examples per operation, a fixed
seed), so it is part of the ordinary suite; nothing talks to an outside server (messages go
to the in-memory providers, tasks run immediately).

The walk must end with no server error and no response that breaks the document: status
codes the document lists, the documented content type, and bodies matching their schema.
An operation added later is picked up automatically, since the list comes from the schema.
Each request runs in a savepoint that is rolled back, so one request's failure (on
PostgreSQL, an aborted transaction) cannot disturb the next.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.signals import got_request_exception
from django.db import connection, transaction
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clientdesk.accounts.services import issue_api_token

from .conftest import keep_test_connection

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Examples per operation and generation mode. Raise it locally for a deeper walk:
# SCHEMATHESIS_MAX_EXAMPLES=200 .venv/bin/python -m pytest tests/api/test_schemathesis.py
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12"))
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# Where the figures of the last run are written (request count, failures, seconds).
REPORT = os.environ.get("SCHEMATHESIS_REPORT", "")


@dataclass
class Walk:
    """What one walk over the schema saw."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)  # "METHOD path: check" -> example
    errors: list[str] = field(default_factory=list)  # tracebacks of server errors
    seconds: Counter[str] = field(default_factory=Counter)  # per operation

    def summary(self) -> str:
        lines = [f"{self.requests} requests, statuses {dict(sorted(self.statuses.items()))}"]
        lines += [f"- {key}\n    {example}" for key, example in sorted(self.failures.items())]
        lines += self.errors[:5]
        return "\n".join(lines)


def _operations(schema: Any) -> list[Any]:
    found = []
    for result in schema.get_all_operations():
        found.append(result.ok())  # an operation schemathesis cannot read is a failure here
    return found


def _walk(schema: Any, key: str, examples: int = MAX_EXAMPLES) -> Walk:
    walk = Walk()

    def on_error(sender: Any, request: Any, **kwargs: Any) -> None:
        walk.errors.append(f"{request.method} {request.get_full_path()}\n{traceback.format_exc()}")

    got_request_exception.connect(on_error, weak=False)
    try:
        for operation in _operations(schema):
            started = time.perf_counter()
            for mode in MODES:
                _walk_operation(operation, mode, key, walk, examples)
            label = f"{operation.method.upper()} {operation.path}"
            walk.seconds[label] += time.perf_counter() - started
    finally:
        got_request_exception.disconnect(on_error)
    return walk


def _walk_operation(
    operation: Any, mode: GenerationMode, key: str, walk: Walk, examples: int
) -> None:
    headers = {"Authorization": f"Token {key}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.too_slow,
        ],
    )
    def run(case: Any) -> None:
        case.headers = {**(case.headers or {}), **headers}
        with transaction.atomic():
            response = case.call()
            transaction.set_rollback(True)
        walk.requests += 1
        walk.statuses[response.status_code] += 1
        for check in CHECKS:
            try:
                case.validate_response(response, checks=[check])
            except (AssertionError, BaseExceptionGroup) as exc:  # every failure is collected
                label = f"{operation.method.upper()} {operation.path}: {check.__name__}"
                walk.failures.setdefault(label, _describe(case, response, exc))

    run()


def _describe(case: Any, response: Any, exc: BaseException) -> str:
    found = getattr(exc, "exceptions", None) or [exc]
    titles = "; ".join(
        f"{getattr(f, 'title', type(f).__name__)}: {str(getattr(f, 'message', f))[:300]}"
        for f in found
    )
    query = f"?{case.query}" if case.query else ""
    body = "" if case.body is None else f" body={str(case.body)[:200]}"
    answer = response.text[:200].replace("\n", " ")
    params = case.path_parameters or ""
    return f"{response.status_code} {params}{query}{body} -> {answer} | {titles}"


def _write_report(walk: Walk, seconds: float, who: str) -> None:
    if REPORT:
        with open(REPORT, "a") as out:
            out.write(
                json.dumps(
                    {
                        "engine": connection.vendor,
                        "as": who,
                        "requests": walk.requests,
                        "server_errors": sum(n for s, n in walk.statuses.items() if s >= 500),
                        "failures": len(walk.failures),
                        "seconds": round(seconds, 1),
                        "slowest": [(k, round(v, 1)) for k, v in walk.seconds.most_common(5)],
                    }
                )
                + "\n"
            )


def test_whole_schema_as_admin(api_schema: Any, admin_user: Any) -> None:
    key = issue_api_token(admin_user, actor=None)
    started = time.perf_counter()
    with keep_test_connection():
        walk = _walk(api_schema, key)
    _write_report(walk, time.perf_counter() - started, "admin")
    assert walk.requests > 0
    assert not walk.failures and not walk.errors, walk.summary()


def test_whole_schema_with_a_read_only_token(api_schema: Any, admin_user: Any) -> None:
    """An Admin's token scoped to reading every module: every write must be a documented 403
    (or a 4xx for bad input), never a 5xx; fewer examples, the Admin walk covers the rest."""
    from clientdesk.core.permissions import Module

    scopes = [f"{m.value}:read" for m in Module]
    key = issue_api_token(admin_user, actor=None, scopes=scopes)
    started = time.perf_counter()
    with keep_test_connection():
        walk = _walk(api_schema, key, examples=max(2, MAX_EXAMPLES // 4))
    _write_report(walk, time.perf_counter() - started, "read-only token")
    assert walk.statuses[403] > 0  # the writes were refused by the scope
    assert not walk.failures and not walk.errors, walk.summary()
