"""Every write to webhooks: endpoints (Admins), deliveries (the worker), resends (Admins).

Admin actions need Integrations WRITE, run in one transaction and are audited. Sending runs
in tasks: ``deliver`` claims one attempt under a row lock (so two workers never send the same
attempt), makes the HTTP request outside any transaction, then records the outcome.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clientdesk.core import audit
from clientdesk.core.permissions import Access, require

from . import events, signing, urlsafety
from .models import (
    MODULE,
    TRANSITIONS,
    DeliveryStatus,
    EventType,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

log = logging.getLogger(__name__)

EDITABLE = ("url", "description", "events", "is_active")


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


# --- endpoints -----------------------------------------------------------------------------


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    cleaned = {k: data[k] for k in EDITABLE if k in data}
    if "events" in cleaned:
        chosen = list(dict.fromkeys(cleaned["events"] or ()))
        unknown = [e for e in chosen if e not in EventType.values]
        if unknown:
            raise ValidationError({"events": f"Unknown event type: {', '.join(unknown)}."})
        if not chosen:
            raise ValidationError({"events": "Choose at least one event."})
        cleaned["events"] = chosen
    if "url" in cleaned:
        cleaned["url"] = str(cleaned["url"]).strip()
        urlsafety.check_url(cleaned["url"])
    return cleaned


def create_endpoint(*, actor: Any, data: Mapping[str, Any]) -> WebhookEndpoint:
    """A new endpoint with a fresh secret (shown to the caller once)."""
    require(actor, MODULE, Access.WRITE)
    cleaned = _clean(data)
    for required in ("url", "events"):
        if required not in cleaned:
            raise ValidationError({required: "This field is required."})
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            **cleaned, secret=signing.new_secret(), created_by=_user(actor)
        )
        audit.record(
            actor=actor,
            action="create",
            target=endpoint,
            changes={k: {"old": None, "new": v} for k, v in cleaned.items()},
        )
        events.forget_subscriptions()
    return endpoint


def update_endpoint(
    endpoint: WebhookEndpoint, *, actor: Any, data: Mapping[str, Any]
) -> WebhookEndpoint:
    """Change URL, events, description or active; re-activating clears the failure streak."""
    require(actor, MODULE, Access.WRITE)
    cleaned = _clean(data)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        changes = audit.diff({k: getattr(endpoint, k) for k in cleaned}, cleaned)
        if not changes:
            return endpoint
        for name, value in cleaned.items():
            setattr(endpoint, name, value)
        if cleaned.get("is_active") and "is_active" in changes:
            endpoint.consecutive_failures = 0
            endpoint.failing_since = None
            endpoint.disabled_at = None
            endpoint.disabled_reason = ""
        endpoint.save()
        audit.record(actor=actor, action="update", target=endpoint, changes=changes)
        events.forget_subscriptions()
    return endpoint


def rotate_secret(endpoint: WebhookEndpoint, *, actor: Any) -> WebhookEndpoint:
    """A new secret; the old one keeps signing too for ``WEBHOOKS_ROTATION_OVERLAP`` seconds."""
    require(actor, MODULE, Access.WRITE)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = timezone.now() + dt.timedelta(
            seconds=settings.WEBHOOKS_ROTATION_OVERLAP
        )
        endpoint.secret = signing.new_secret()
        endpoint.save()
        until = endpoint.previous_secret_expires_at.isoformat()
        audit.record(
            actor=actor,
            action="update",
            target=endpoint,
            changes={
                "secret": {"old": audit.REDACTED, "new": audit.REDACTED},
                "overlap_until": until,
            },
        )
    return endpoint


def delete_endpoint(endpoint: WebhookEndpoint, *, actor: Any) -> None:
    """Remove an endpoint with its delivery log (audited)."""
    require(actor, MODULE, Access.WRITE)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="delete",
            target=endpoint,
            changes={"url": {"old": endpoint.url, "new": None}},
        )
        endpoint.delete()
        events.forget_subscriptions()


def signing_secrets(endpoint: WebhookEndpoint, now: dt.datetime) -> list[str]:
    """The current secret, plus the previous one while the rotation overlap lasts."""
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires and expires > now:
        found.append(endpoint.previous_secret)
    return found


# --- resending -----------------------------------------------------------------------------


def _move(delivery: WebhookDelivery, to_status: str) -> None:
    if to_status not in TRANSITIONS[delivery.status]:
        raise ValidationError(
            {
                "status": ValidationError(
                    f"A {delivery.get_status_display().lower()} delivery cannot become "
                    f"{DeliveryStatus(to_status).label.lower()}.",
                    code="invalid_transition",
                )
            }
        )
    delivery.status = to_status


def resend(delivery: WebhookDelivery, *, actor: Any) -> WebhookDelivery:
    """Send a finished delivery again (same webhook-id and body), with a fresh retry budget."""
    require(actor, MODULE, Access.WRITE)
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .get(pk=delivery.pk)
        )
        if not delivery.endpoint.is_active:
            raise ValidationError({"endpoint": "The endpoint is disabled; enable it first."})
        before = delivery.status
        _move(delivery, DeliveryStatus.PENDING)
        delivery.attempts_before_resend = delivery.attempts
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "attempts_before_resend", "next_attempt_at"])
        audit.record(
            actor=actor,
            action="update",
            target=delivery,
            changes={"status": {"old": before, "new": delivery.status}, "resend": True},
        )
        transaction.on_commit(lambda: events.enqueue([delivery.pk]), robust=True)
    return delivery


# --- sending (the worker) ------------------------------------------------------------------


def retry_delay(attempt: int) -> dt.timedelta:
    """Wait after failed attempt ``attempt`` (1-based): base * 2**(attempt-1), at most a day."""
    seconds = settings.WEBHOOKS_RETRY_BASE_SECONDS * 2 ** (attempt - 1)
    return dt.timedelta(seconds=min(seconds, settings.WEBHOOKS_RETRY_MAX_SECONDS))


@dataclass
class Outcome:
    status: int | None
    duration_ms: int
    body: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is an answer, not a place to go (it could point inside)


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: str, headers: Mapping[str, str]) -> Outcome:
    """One POST; never raises. The URL is checked again first (DNS may have changed)."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        urlsafety.check_url(url)
    except ValidationError as exc:
        return Outcome(None, 0, error="refused: " + "; ".join(exc.messages))
    # The scheme is http(s), checked by check_url above.
    request = urllib.request.Request(url, data=body.encode(), headers=dict(headers), method="POST")  # noqa: S310
    request.add_header("user-agent", "ClientDesk-Webhooks/1")
    try:
        with _opener.open(request, timeout=settings.WEBHOOKS_TIMEOUT) as response:
            text = response.read(500).decode("utf-8", "replace")
            return Outcome(response.status, took(), text)
    except urllib.error.HTTPError as exc:
        text = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
        return Outcome(exc.code, took(), text, error=f"HTTP {exc.code}")
    except Exception as exc:  # timeouts, refused connections, TLS: all retryable
        reason = getattr(exc, "reason", exc)
        return Outcome(None, took(), error=f"{type(exc).__name__}: {reason}"[:500])


def deliver(delivery_id: int) -> str:
    """One attempt of one delivery; returns its status afterwards ("" if not attempted)."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return ""
    delivery, secrets_, started = claimed
    timestamp = int(started.timestamp())
    headers = signing.headers(secrets_, delivery.message_id, timestamp, delivery.body)
    outcome = post(delivery.endpoint.url, delivery.body, headers)
    return _record(delivery.pk, outcome, started)


def _claim(delivery_id: int) -> tuple[WebhookDelivery, list[str], dt.datetime] | None:
    """Count the attempt and push ``next_attempt_at`` out (the lease, and the retry time)."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return None
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            return None  # not due yet, or another worker holds it
        if not delivery.endpoint.is_active:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = "not sent: the endpoint is disabled"
            delivery.next_attempt_at = None
            delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
            return None
        delivery.attempts += 1
        delivery.next_attempt_at = now + retry_delay(
            delivery.attempts - delivery.attempts_before_resend
        )
        delivery.last_attempt_at = now
        delivery.save(update_fields=["attempts", "next_attempt_at", "last_attempt_at"])
    return delivery, signing_secrets(delivery.endpoint, now), now


def _record(delivery_id: int, outcome: Outcome, started: dt.datetime) -> str:
    now = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            started_at=started,
            response_status=outcome.status,
            duration_ms=outcome.duration_ms,
            error=outcome.error[:500],
            succeeded=outcome.ok,
        )
        delivery.response_status = outcome.status
        delivery.duration_ms = outcome.duration_ms
        delivery.response_body = outcome.body[:500]
        delivery.last_error = outcome.error[:500]
        if outcome.ok:
            _succeeded(delivery, endpoint, now)
        else:
            _failed(delivery, endpoint, now)
        delivery.save()
        endpoint.save(
            update_fields=[
                "consecutive_failures",
                "failing_since",
                "last_success_at",
                "last_failure_at",
                "is_active",
                "disabled_at",
                "disabled_reason",
            ]
        )
    return str(delivery.status)


def _succeeded(delivery: WebhookDelivery, endpoint: WebhookEndpoint, now: dt.datetime) -> None:
    if delivery.status == DeliveryStatus.PENDING:
        _move(delivery, DeliveryStatus.SUCCEEDED)
    delivery.succeeded_at = now
    delivery.next_attempt_at = None
    endpoint.last_success_at = now
    endpoint.consecutive_failures = 0
    endpoint.failing_since = None


def _failed(delivery: WebhookDelivery, endpoint: WebhookEndpoint, now: dt.datetime) -> None:
    endpoint.last_failure_at = now
    endpoint.consecutive_failures += 1
    endpoint.failing_since = endpoint.failing_since or now
    used = delivery.attempts - delivery.attempts_before_resend
    if delivery.status == DeliveryStatus.PENDING and used >= settings.WEBHOOKS_MAX_ATTEMPTS:
        _move(delivery, DeliveryStatus.FAILED)
        delivery.next_attempt_at = None
    if endpoint.is_active and _should_disable(endpoint, now):
        _disable(endpoint, now)


def _should_disable(endpoint: WebhookEndpoint, now: dt.datetime) -> bool:
    streak = now - (endpoint.failing_since or now)
    return (
        endpoint.consecutive_failures >= settings.WEBHOOKS_DISABLE_AFTER_FAILURES
        and streak >= dt.timedelta(hours=settings.WEBHOOKS_DISABLE_AFTER_HOURS)
    )


def _disable(endpoint: WebhookEndpoint, now: dt.datetime) -> None:
    """Switch a failing endpoint off, audited, and tell every Admin (after commit)."""
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = f"{endpoint.consecutive_failures} failed attempts in a row"
    audit.record(
        actor=None,
        action="update",
        target=endpoint,
        changes={"is_active": {"old": True, "new": False}, "reason": endpoint.disabled_reason},
    )
    events.forget_subscriptions()
    transaction.on_commit(lambda: _notify_admins(endpoint), robust=True)


def integration_admins() -> list[Any]:
    """Active users whose role may change integrations (the Admins by default)."""
    from django.contrib.auth import get_user_model

    from clientdesk.accounts.models import RoleModuleAccess

    role_ids = RoleModuleAccess.objects.filter(module=MODULE, level=Access.WRITE).values("role_id")
    return list(get_user_model().objects.filter(is_active=True, role_id__in=role_ids))


def _notify_admins(endpoint: WebhookEndpoint) -> None:
    from clientdesk.notifications.services import notify

    url = reverse("webhooks:endpoint", args=[endpoint.pk])
    stamp = endpoint.disabled_at.isoformat() if endpoint.disabled_at else ""
    for admin in integration_admins():
        notify(
            admin,
            kind="info",
            title=f"Webhook endpoint disabled: {endpoint}"[:200],
            body=f"{endpoint.disabled_reason}. Fix the receiver, then enable it again.",
            url=url,
            key=f"webhooks.endpoint:{endpoint.pk}:disabled:{stamp}",
        )


def retry_due(*, limit: int = 1000) -> int:
    """Enqueue the pending deliveries whose (re)try time has come; returns how many."""
    due = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    events.enqueue(due)
    return len(due)
