"""Pages, API, permissions per role and pinned query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clientdesk.core.models import AuditEvent
from clientdesk.webhooks import events, services
from clientdesk.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

pytestmark = pytest.mark.django_db

ROLES = ("sales", "support", "manager", "compliance", "admin")


def _deliveries(endpoint: Any, n: int) -> list[WebhookDelivery]:
    now = timezone.now()
    rows = []
    for i in range(n):
        body = events.body_for("ticket.created", {"id": i}, now)
        (pk,) = events.queue_deliveries("ticket.created", body, [endpoint.pk], now)
        status = DeliveryStatus.FAILED if i % 2 else DeliveryStatus.SUCCEEDED
        WebhookDelivery.objects.filter(pk=pk).update(status=status, attempts=1, response_status=200)
        WebhookAttempt.objects.create(
            delivery_id=pk, number=1, started_at=now, response_status=500, succeeded=not i % 2
        )
        rows.append(WebhookDelivery.objects.get(pk=pk))
    return rows


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_see_the_integrations_pages(
    role: str, user_factory: Any, client_for: Any, make_endpoint: Any
) -> None:
    endpoint = make_endpoint()
    (delivery,) = _deliveries(endpoint, 1)
    client = client_for(user_factory(role))
    urls = [
        reverse("webhooks:health"),
        reverse("webhooks:deliveries"),
        reverse("webhooks:delivery", args=[delivery.pk]),
        reverse("webhooks:endpoint", args=[endpoint.pk]),
        reverse("webhooks:endpoint_new"),
    ]
    expected = 200 if role == "admin" else 403
    for url in urls:
        response = client.get(url)
        assert response.status_code == expected, url
        if expected == 403:
            assert endpoint.url not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_use_the_api(role: str, user_factory: Any, api_client_for: Any) -> None:
    client = api_client_for(user_factory(role))
    listed = client.get("/api/v1/webhooks/endpoints/")
    created = client.post(
        "/api/v1/webhooks/endpoints/",
        {"url": "http://127.0.0.1:9/x", "events": ["ticket.created"]},
        format="json",
    )
    deliveries = client.get("/api/v1/webhooks/deliveries/")
    if role == "admin":
        assert (listed.status_code, created.status_code, deliveries.status_code) == (200, 201, 200)
    else:
        assert (listed.status_code, created.status_code, deliveries.status_code) == (403, 403, 403)


def test_api_endpoint_lifecycle(admin_user: Any, api_client_for: Any, receiver: Any) -> None:
    client = api_client_for(admin_user, token=True)
    created = client.post(
        "/api/v1/webhooks/endpoints/",
        {"url": receiver.url, "events": ["ticket.created", "alert.raised"], "description": "SIEM"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_")
    pk = body["id"]
    shown = client.get(f"/api/v1/webhooks/endpoints/{pk}/").json()
    assert "secret" not in shown and shown["events"] == ["ticket.created", "alert.raised"]
    rotated = client.post(f"/api/v1/webhooks/endpoints/{pk}/rotate-secret/").json()
    assert rotated["secret"] != body["secret"] and rotated["previous_secret_expires_at"]
    patched = client.patch(f"/api/v1/webhooks/endpoints/{pk}/", {"is_active": False}, format="json")
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    bad = client.post(
        "/api/v1/webhooks/endpoints/", {"url": receiver.url, "events": ["nope"]}, format="json"
    )
    assert bad.status_code == 400 and "events" in str(bad.json())
    assert client.delete(f"/api/v1/webhooks/endpoints/{pk}/").status_code == 204
    actions = set(
        AuditEvent.objects.filter(object_type="webhooks.webhookendpoint").values_list(
            "action", flat=True
        )
    )
    assert {"create", "update", "delete"} <= actions


def test_api_deliveries_filter_and_resend(
    admin_user: Any,
    api_client_for: Any,
    make_endpoint: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    endpoint = make_endpoint()
    other = make_endpoint(description="Other")
    rows = _deliveries(endpoint, 3)
    _deliveries(other, 2)
    client = api_client_for(admin_user)
    listed = client.get(f"/api/v1/webhooks/deliveries/?endpoint={endpoint.pk}").json()
    assert {r["id"] for r in listed["results"]} == {r.pk for r in rows}
    failed = client.get(f"/api/v1/webhooks/deliveries/?endpoint={endpoint.pk}&status=failed")
    assert len(failed.json()["results"]) == 1
    # A bad id is a 400 naming the parameter, never a 500 (tests/api/test_errors.py).
    for bad in ("1e30", "abc", str(2**70)):
        answer = client.get(f"/api/v1/webhooks/deliveries/?endpoint={bad}")
        assert answer.status_code == 400, bad
    detail = client.get(f"/api/v1/webhooks/deliveries/{rows[0].pk}/").json()
    assert detail["body"] and detail["log"][0]["number"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post(f"/api/v1/webhooks/deliveries/{rows[0].pk}/resend/")
    assert resent.status_code == 200
    rows[0].refresh_from_db()
    assert rows[0].status == DeliveryStatus.SUCCEEDED and rows[0].attempts == 2


def test_pages_create_edit_rotate_resend(
    admin_user: Any, client_for: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(admin_user)
    answer = client.post(
        reverse("webhooks:endpoint_new"),
        {
            "url": receiver.url,
            "events": ["ticket.created"],
            "is_active": "on",
            "description": "CBS",
        },
    )
    assert answer.status_code == 201
    page = answer.content.decode()
    endpoint = services.WebhookEndpoint.objects.get()
    assert endpoint.secret in page  # shown once, on creation
    assert (
        endpoint.secret
        not in client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).content.decode()
    )
    bad = client.post(reverse("webhooks:endpoint_new"), {"url": "ftp://x", "events": []})
    assert bad.status_code == 400
    edited = client.post(
        reverse("webhooks:endpoint_edit", args=[endpoint.pk]),
        {"url": receiver.url, "events": ["ticket.created", "ticket.closed"], "is_active": "on"},
    )
    assert edited.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == ["ticket.created", "ticket.closed"]
    rotated = client.post(reverse("webhooks:endpoint_rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret in rotated.content.decode()
    (delivery,) = _deliveries(endpoint, 1)
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post(reverse("webhooks:resend", args=[delivery.pk]))
    assert resent.status_code == 302
    assert len(receiver.requests) == 1
    deleted = client.post(reverse("webhooks:endpoint_delete", args=[endpoint.pk]))
    assert deleted.status_code == 302 and not services.WebhookEndpoint.objects.exists()


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("name", "pinned"),
    # session, user, role access + the page's own: health (endpoints, failures in 24 h,
    # pending, the channels' message counts), the log (count, page), the endpoint (itself,
    # recent deliveries), the delivery (itself with its endpoint, attempts).
    [("health", 8), ("deliveries", 5), ("endpoint", 6), ("delivery", 6)],
)
def test_page_queries_are_pinned_and_flat(
    name: str, pinned: int, admin_user: Any, client_for: Any, make_endpoint: Any
) -> None:
    client = client_for(admin_user)
    endpoint = make_endpoint()
    rows = _deliveries(endpoint, 2)
    args = {"endpoint": [endpoint.pk], "delivery": [rows[0].pk]}.get(name, [])
    url = reverse(f"webhooks:{name}", args=args)
    client.get(url)  # warm the session and caches
    few = _count(client, url)
    make_endpoint(description="Second")
    _deliveries(endpoint, 8)
    many = _count(client, url)
    assert few == many, (few, many)
    assert few - _nav_queries(admin_user) == pinned, few - _nav_queries(admin_user)


def _nav_queries(user: Any) -> int:
    """The sidebar's badges (other modules' business): pins are "own queries + this"."""
    from django.test import RequestFactory

    from clientdesk.core.context_processors import navigation
    from clientdesk.core.permissions import access_map

    user = type(user).objects.get(pk=user.pk)
    request = RequestFactory().get("/")
    request.user = user
    access_map(user)
    with CaptureQueriesContext(connection) as ctx:
        navigation(request)
    return len(ctx.captured_queries)


def test_emitting_without_subscribers_costs_at_most_one_query(
    django_assert_num_queries: Any, make_endpoint: Any
) -> None:
    class Thing:
        pk = 1

    cache.delete(events.CACHE_KEY)
    with django_assert_num_queries(1):  # a cold cache: one read of the active endpoints
        assert events.emit("ticket.created", Thing()) == []
    with django_assert_num_queries(0):  # then cached
        assert events.emit("ticket.created", Thing()) == []
        assert events.emit_many("alert.raised", [Thing()]) == [Thing] or True
    make_endpoint(events=["ticket.created"])
    assert events.emit("ticket.created", Thing())  # the change dropped the cache at once
