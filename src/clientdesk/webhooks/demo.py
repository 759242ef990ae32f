"""Demo data for ``seed_demo``: one endpoint at a local dead URL with a short delivery history
(succeeded, failed, and one still retrying), so the log and the health page show something.

The endpoint is created after the demo stories and subscribes to two events only, so the
stories do not flood it; the worker of ``make run`` keeps retrying the pending delivery (the
URL refuses connections) and the health page shows the failures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from . import events, services
from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

DEMO_URL = "http://127.0.0.1:9/clientdesk-demo-webhook"  # port 9 (discard): nothing listens

_HISTORY: list[tuple[str, int, str, list[Any]]] = [  # (event, minutes ago, status, answers)
    ("ticket.created", 300, DeliveryStatus.SUCCEEDED, [200]),
    ("customer.status_changed", 240, DeliveryStatus.SUCCEEDED, [500, 200]),
    ("ticket.created", 180, DeliveryStatus.SUCCEEDED, [204]),
    ("customer.status_changed", 120, DeliveryStatus.FAILED, [502, 502, 503]),
    ("ticket.created", 30, DeliveryStatus.PENDING, [None]),
]


def seed_webhooks(*, users: dict[str, Any], now: dt.datetime) -> str:
    admin = users.get("admin")
    if admin is None or WebhookEndpoint.objects.filter(url=DEMO_URL).exists():
        return "Webhooks: demo endpoint already there (or no admin user)."
    endpoint = services.create_endpoint(
        actor=admin,
        data={
            "url": DEMO_URL,
            "description": "Core banking sync (demo, nothing listens)",
            "events": ["ticket.created", "customer.status_changed"],
        },
    )
    with transaction.atomic():
        for event, ago, status, answers in _HISTORY:
            _delivery(endpoint, event, now - dt.timedelta(minutes=ago), status, answers)
    return f"Webhooks: demo endpoint {DEMO_URL} with {len(_HISTORY)} deliveries."


def _delivery(
    endpoint: WebhookEndpoint, event: str, at: dt.datetime, status: str, answers: list[Any]
) -> None:
    body = events.body_for(event, {"id": 0, "demo": True}, at)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type=event,
        message_id=events.new_message_id(),
        body=body,
        status=status,
        attempts=len(answers),
        created_at=at,
        last_attempt_at=at,
        next_attempt_at=at + dt.timedelta(minutes=2) if status == DeliveryStatus.PENDING else None,
        response_status=answers[-1],
        duration_ms=42,
        succeeded_at=at if status == DeliveryStatus.SUCCEEDED else None,
        last_error="" if status == DeliveryStatus.SUCCEEDED else "connection refused",
    )
    for number, answer in enumerate(answers, start=1):
        ok = answer is not None and answer < 300
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=at + dt.timedelta(minutes=number - 1),
            response_status=answer,
            duration_ms=40 + number,
            error="" if ok else (f"HTTP {answer}" if answer else "ConnectionRefusedError"),
            succeeded=ok,
        )
    if status == DeliveryStatus.SUCCEEDED:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(last_success_at=at)
