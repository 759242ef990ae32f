"""Request rates: per API token and per client IP without valid credentials; 429 + Retry-After."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from clientdesk.accounts.services import issue_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rates(settings) -> Iterator[None]:
    settings.API_THROTTLE_RATES = {"token": "3/minute", "anon": "2/minute"}
    cache.clear()
    yield
    cache.clear()


def _token_client(key: str, ip: str = "198.51.100.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _assert_throttled(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    wait = int(response["Retry-After"])
    assert 0 < wait <= 60
    body = response.json()
    assert body["code"] == "throttled" and body["retry_after"] == wait and body["detail"]


def test_each_token_has_its_own_rate(manager) -> None:
    first = _token_client(issue_api_token(manager, actor=None))
    second = _token_client(issue_api_token(manager, actor=None))
    assert [first.get("/api/v1/customers/").status_code for _ in range(3)] == [200] * 3
    _assert_throttled(first.get("/api/v1/customers/"))
    assert second.get("/api/v1/customers/").status_code == 200


def test_a_token_is_throttled_before_the_permission_check(support_user) -> None:
    client = _token_client(issue_api_token(support_user, actor=None))
    assert [client.get("/api/v1/rules/").status_code for _ in range(3)] == [403] * 3
    _assert_throttled(client.get("/api/v1/rules/"))


def test_anonymous_requests_are_counted_per_ip() -> None:
    here, there = APIClient(REMOTE_ADDR="203.0.113.1"), APIClient(REMOTE_ADDR="203.0.113.2")
    assert [here.get("/api/v1/customers/").status_code for _ in range(2)] == [401, 401]
    _assert_throttled(here.get("/api/v1/customers/"))
    assert there.get("/api/v1/customers/").status_code == 401


def test_wrong_and_expired_keys_count_against_the_ip(manager) -> None:
    guesses = [_token_client(f"guess-{n}", ip="203.0.113.9") for n in range(3)]
    assert guesses[0].get("/api/v1/customers/").status_code == 401
    assert guesses[1].get("/api/v1/customers/").status_code == 401
    _assert_throttled(guesses[2].get("/api/v1/customers/"))
    # the same IP with a valid token is not anonymous: its token's rate applies
    valid = _token_client(issue_api_token(manager, actor=None), ip="203.0.113.9")
    assert valid.get("/api/v1/customers/").status_code == 200


def test_session_users_are_not_throttled_as_anonymous(client_for, manager) -> None:
    client = client_for(manager)
    statuses = {client.get("/api/v1/customers/").status_code for _ in range(5)}
    assert statuses == {200}


def test_rates_come_from_settings_and_none_switches_off(settings, manager) -> None:
    settings.API_THROTTLE_RATES = {"token": None, "anon": None}
    client = _token_client(issue_api_token(manager, actor=None))
    assert {client.get("/api/v1/customers/").status_code for _ in range(6)} == {200}
    anon = APIClient()
    assert {anon.get("/api/v1/customers/").status_code for _ in range(6)} == {401}


def test_429_is_in_the_published_schema() -> None:
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    answer = document["paths"]["/api/v1/customers/"]["get"]["responses"]["429"]
    assert "Retry-After" in answer["headers"]
