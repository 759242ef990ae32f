"""The integrations health figures: per endpoint, and per message channel from comms.

A fixed number of queries whatever the number of endpoints: the endpoints, one grouped count
of failed attempts in the last 24 hours, one grouped count of pending deliveries, and (for the
message channels) whatever ``comms`` offers: its own ``provider_health()`` when it has one,
else one grouped count over its messages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

DAY = dt.timedelta(hours=24)


@dataclass
class EndpointHealth:
    endpoint: WebhookEndpoint
    failures_24h: int
    pending: int

    @property
    def state(self) -> tuple[str, str]:
        """(tone, label) for the badge."""
        if not self.endpoint.is_active:
            return ("red", "Disabled") if self.endpoint.disabled_at else ("grey", "Inactive")
        if self.endpoint.consecutive_failures:
            return "amber", "Failing"
        return "green", "Healthy"


def endpoint_health(now: dt.datetime | None = None) -> list[EndpointHealth]:
    since = (now or timezone.now()) - DAY
    failures = dict(
        WebhookAttempt.objects.filter(started_at__gte=since, succeeded=False)
        .values("delivery__endpoint_id")
        .annotate(n=Count("id"))
        .values_list("delivery__endpoint_id", "n")
    )
    pending = dict(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING)
        .values("endpoint_id")
        .annotate(n=Count("id"))
        .values_list("endpoint_id", "n")
    )
    return [
        EndpointHealth(e, failures.get(e.pk, 0), pending.get(e.pk, 0))
        for e in WebhookEndpoint.objects.defer("secret", "previous_secret")
    ]


def channel_health(now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """What the messages module knows about its providers, per channel."""
    try:
        from clientdesk.comms import health as comms_health  # type: ignore[attr-defined]
    except ImportError:
        comms_health = None
    if comms_health is not None and hasattr(comms_health, "provider_health"):
        return list(comms_health.provider_health())
    from clientdesk.comms.models import Channel, Message, MessageStatus

    since = (now or timezone.now()) - DAY
    rows = {
        r["channel"]: r
        for r in Message.objects.values("channel").annotate(
            queued=Count("id", filter=Q(status=MessageStatus.QUEUED)),
            failed_24h=Count("id", filter=Q(status=MessageStatus.FAILED, created_at__gte=since)),
            last_sent=Max("sent_at"),
        )
    }
    return [
        {
            "channel": channel,
            "label": Channel(channel).label if channel in Channel.values else channel,
            "provider": config.get("provider", ""),
            "queued": rows.get(channel, {}).get("queued", 0),
            "failed_24h": rows.get(channel, {}).get("failed_24h", 0),
            "last_sent": rows.get(channel, {}).get("last_sent"),
            "circuit": "",
        }
        for channel, config in settings.COMMS_CHANNELS.items()
    ]


def readiness() -> dict[str, Any]:
    """For /readyz (reported, never failing the probe): disabled endpoints, pending queue."""
    disabled = WebhookEndpoint.objects.filter(is_active=False, disabled_at__isnull=False).count()
    pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count()
    return {
        "status": "ok" if not disabled else "degraded",
        "disabled": disabled,
        "pending": pending,
    }
