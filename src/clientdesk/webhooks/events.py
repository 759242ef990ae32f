"""Emitting events to webhook endpoints: one call from a domain service, in its transaction.

``emit("ticket.created", ticket)`` creates one delivery row per active endpoint subscribed to
the event, inside the caller's transaction (rolled back with it), and enqueues the sending
after commit. When no active endpoint subscribes it costs no query: the set of subscribed
event types is cached (``WEBHOOKS_SUBSCRIPTIONS_TTL`` seconds; dropped whenever an endpoint
changes). Payloads carry ids, codes and masked values only (``core.masking``), never a clear
identifier, name, address or message text.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from clientdesk.core.masking import mask_pan, mask_tail

from .models import EventType, WebhookDelivery, WebhookEndpoint

CACHE_KEY = "webhooks:subscribed-events:v1"
BATCH = 500  # events per INSERT when many are emitted at once
T = TypeVar("T")

# What each event's ``data`` holds besides the record's ``id``: plain attributes (ids, codes,
# statuses). Customer events add masked identifiers in ``_customer``.
_CUSTOMER = ("client_id", "status", "kyc_status")
FIELDS: dict[str, tuple[str, ...]] = {
    EventType.CUSTOMER_CREATED: _CUSTOMER,
    EventType.CUSTOMER_UPDATED: _CUSTOMER,
    EventType.CUSTOMER_STATUS_CHANGED: _CUSTOMER,
    EventType.KYC_DECIDED: ("customer_id", "kind", "review_status", "reason_code"),
    EventType.SCREENING_HIT_RAISED: ("customer_id", "status", "score", "trigger"),
    EventType.SCREENING_HIT_DECIDED: ("customer_id", "status", "score", "trigger"),
    EventType.ALERT_RAISED: ("customer_id", "rule_id", "kind", "severity", "status"),
    EventType.ALERT_CLOSED: ("customer_id", "rule_id", "kind", "severity", "status"),
    EventType.TICKET_CREATED: ("number", "customer_id", "status", "priority"),
    EventType.TICKET_CLOSED: ("number", "customer_id", "status", "priority"),
    EventType.LEAD_CONVERTED: ("customer_id", "status"),
    EventType.MESSAGE_DELIVERY_CHANGED: ("customer_id", "channel", "event", "status"),
}
_CUSTOMER_EVENTS = {
    EventType.CUSTOMER_CREATED,
    EventType.CUSTOMER_UPDATED,
    EventType.CUSTOMER_STATUS_CHANGED,
}


def subscribed_event_types() -> frozenset[str]:
    """Event types at least one active endpoint receives (cached; one query on a miss)."""
    found = cache.get(CACHE_KEY)
    if found is None:
        found = frozenset(
            event
            for events in WebhookEndpoint.objects.filter(is_active=True).values_list(
                "events", flat=True
            )
            for event in events or ()
        )
        cache.set(CACHE_KEY, found, settings.WEBHOOKS_SUBSCRIPTIONS_TTL)
    return frozenset(found)


def forget_subscriptions() -> None:
    """An endpoint changed: the next emit reads the subscriptions again (now and on commit)."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(partial(cache.delete, CACHE_KEY))


def payload(event_type: str, obj: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``data`` of an event: ids, codes and masked values only."""
    data: dict[str, Any] = {"id": obj.pk}
    for name in FIELDS[event_type]:
        value = getattr(obj, name, None)
        data[name] = str(value) if value is not None and not isinstance(value, int) else value
    if event_type in _CUSTOMER_EVENTS:
        data["pan_masked"] = mask_pan(getattr(obj, "pan", "") or "")
        data["mobile_masked"] = mask_tail(getattr(obj, "mobile", "") or "")
    data.update(extra or {})
    return data


def body_for(event_type: str, data: dict[str, Any], now: Any) -> str:
    envelope = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    return json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True)


def new_message_id() -> str:
    return "msg_" + uuid.uuid4().hex


def _endpoints_for(event_type: str) -> list[int]:
    if event_type not in subscribed_event_types():
        return []
    return [
        pk
        for pk, events in WebhookEndpoint.objects.filter(is_active=True).values_list("pk", "events")
        if event_type in (events or ())
    ]


def emit(event_type: str, obj: Any, *, only_if: bool = True, **extra: Any) -> list[int]:
    """Queue ``event_type`` about ``obj`` for every subscribed active endpoint.

    Call it inside the service's transaction; ``only_if=False`` does nothing (so a caller
    stays one line). Returns the new delivery ids."""
    endpoint_ids = _endpoints_for(event_type) if only_if else []
    if not endpoint_ids:
        return []
    now = timezone.now()
    body = body_for(event_type, payload(event_type, obj, extra), now)
    return queue_deliveries(event_type, body, endpoint_ids, now)


def emit_many(event_type: str, objs: list[T]) -> list[T]:
    """``emit`` for each of ``objs`` (records just bulk-created); returns ``objs`` unchanged."""
    endpoint_ids = _endpoints_for(event_type) if objs else []
    if endpoint_ids:
        now = timezone.now()
        for start in range(0, len(objs), BATCH):
            bodies = [
                body_for(event_type, payload(event_type, o), now)
                for o in objs[start : start + BATCH]
            ]
            queue_bodies(event_type, bodies, endpoint_ids, now)
    return objs


def queue_deliveries(
    event_type: str, body: str, endpoint_ids: Iterable[int], now: Any
) -> list[int]:
    return queue_bodies(event_type, [body], list(endpoint_ids), now)


def queue_bodies(
    event_type: str, bodies: list[str], endpoint_ids: list[int], now: Any
) -> list[int]:
    """One delivery row per (body, endpoint), in one INSERT; sending is enqueued on commit."""
    rows = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                endpoint_id=endpoint_id,
                event_type=event_type,
                message_id=new_message_id(),
                body=body,
                created_at=now,
                next_attempt_at=now,
            )
            for body in bodies
            for endpoint_id in endpoint_ids
        ]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(partial(enqueue, ids), robust=True)
    return ids


def enqueue(delivery_ids: Iterable[int]) -> None:
    from .tasks import deliver_webhook

    for delivery_id in delivery_ids:
        deliver_webhook.enqueue(delivery_id)
