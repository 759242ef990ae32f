"""The published OpenAPI document loaded by schemathesis, and in-process WSGI calls."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@pytest.fixture(scope="session")
def api_schema(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The document the API publishes, loaded by schemathesis with the WSGI app attached."""
    from django.core.wsgi import get_wsgi_application
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    with django_db_blocker.unblock():
        document = SchemaGenerator().get_schema(request=None, public=True)
    raw = json.loads(OpenApiJsonRenderer().render(document))
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = get_wsgi_application()
    return schema


@contextmanager
def keep_test_connection() -> Iterator[None]:
    """As Django's test client does: a WSGI request must not close the test's connection
    (on PostgreSQL it would, since the test transaction turns autocommit off)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def wsgi(api_schema: Any) -> Iterator[Any]:
    """A werkzeug client on the real WSGI application (full middleware, no test shortcuts)."""
    from werkzeug.test import Client

    with keep_test_connection():
        yield Client(api_schema.app)
