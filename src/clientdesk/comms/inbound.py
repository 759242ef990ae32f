"""What comes back from the providers: delivery receipts, replies, bounces; device tokens.

Webhook views (``hooks``) verify the provider's signature and store each event once
(``record_event``: idempotent by the provider's event id) and leave the work to
``tasks.process_provider_event``, enqueued on commit, which calls ``process_event``:

- ``status``  a receipt (sent, delivered, read, failed) applied to the message the provider
              accepted under that id, along ``TRANSITIONS`` (one arriving out of order, e.g.
              delivered after read, changes nothing);
- ``inbound`` a reply by WhatsApp or SMS, matched to the customer (else the lead) by its
              number in E.164, on their timeline and in the Messages inbox; STOP and the
              other opt-out keywords opt the customer out of the channel;
- ``bounce``  an email bounce or spam complaint: the address is suppressed (undeliverable)
              and the message failed.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from clientdesk.activities.models import Kind
from clientdesk.activities.services import log_activity
from clientdesk.core import audit
from clientdesk.core.permissions import Access, require
from clientdesk.core.validators import normalize_phone

from .models import (
    TRANSITIONS,
    Channel,
    ChannelPreference,
    DeviceToken,
    InboundMessage,
    Message,
    MessageLog,
    MessageStatus,
    ProviderEvent,
    Suppression,
)

log = logging.getLogger(__name__)

#: Replies that opt the sender out of the channel (carrier and WhatsApp conventions).
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"})
#: Provider words for a receipt -> our status.
STATUS_MAP = {
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.READ,
    "failed": MessageStatus.FAILED,
    "undelivered": MessageStatus.FAILED,
}


# --- storing events (the webhook's fast path) --------------------------------------------


def is_stale(at: dt.datetime | None, now: dt.datetime | None = None) -> bool:
    """An event older than COMMS_WEBHOOK_MAX_AGE seconds (a replay) or from the future."""
    if at is None:
        return False
    now = now or timezone.now()
    age = (now - at).total_seconds()
    return age > settings.COMMS_WEBHOOK_MAX_AGE or age < -settings.COMMS_WEBHOOK_MAX_AGE


def record_event(provider: str, event_id: str, kind: str, payload: dict[str, Any]) -> bool:
    """Store one event and enqueue its processing; False when it was already stored."""
    try:
        with transaction.atomic():
            event = ProviderEvent.objects.create(
                provider=provider, event_id=event_id[:200], kind=kind, payload=payload
            )
    except IntegrityError:
        return False
    transaction.on_commit(partial(_enqueue, event.pk), robust=True)
    return True


def _enqueue(event_pk: int) -> None:
    from .tasks import process_provider_event

    process_provider_event.enqueue(event_pk)


def process_event(event_pk: int) -> str:
    """Apply one stored event (once); its payload is cleared afterwards."""
    with transaction.atomic():
        event = ProviderEvent.objects.select_for_update().filter(pk=event_pk).first()
        if event is None or event.processed_at is not None:
            return ""
        payload = event.payload
        if event.kind == "status":
            outcome = apply_status(
                event.provider,
                payload.get("id", ""),
                payload.get("status", ""),
                error=payload.get("error", ""),
            )
        elif event.kind == "inbound":
            outcome = receive(
                channel=payload["channel"],
                provider=event.provider,
                provider_message_id=payload["id"],
                from_number=payload.get("from", ""),
                body=payload.get("body", ""),
                at=_parse_time(payload.get("at")),
            )
        elif event.kind == "bounce":
            outcome = bounce(
                event.provider,
                payload.get("id", ""),
                payload.get("address", ""),
                payload.get("reason", ""),
            )
        else:
            outcome = f"unknown kind {event.kind}"
        event.processed_at = timezone.now()
        event.outcome = outcome[:200]
        event.payload = {}
        event.save(update_fields=["processed_at", "outcome", "payload"])
    return outcome


def _parse_time(raw: Any) -> dt.datetime:
    if isinstance(raw, str):
        try:
            return dt.datetime.fromisoformat(raw)
        except ValueError:
            pass
    return timezone.now()


# --- receipts ----------------------------------------------------------------------------


def apply_status(provider: str, provider_message_id: str, status: str, *, error: str = "") -> str:
    """A receipt from the provider's webhook; the only way to Delivered / Read / Failed
    (besides the receipts API for service accounts)."""
    target = STATUS_MAP.get(status.lower())
    if target is None or not provider_message_id:
        return f"ignored: {status or 'no'} status"
    now = timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(provider=provider, provider_message_id=provider_message_id)
            .first()
        )
        if message is None:
            return "ignored: no such message"
        if target not in TRANSITIONS[message.status]:
            return f"ignored: {message.status} -> {target}"
        message.status = target
        message.next_attempt_at = None
        if target == MessageStatus.DELIVERED:
            message.delivered_at = now
        elif target == MessageStatus.READ:
            message.read_at = now
            message.delivered_at = message.delivered_at or now
        else:
            message.last_error = (error or f"{provider} reported failure")[:500]
        message.save()
        MessageLog.objects.create(
            message=message,
            status=target,
            attempt=message.attempts,
            detail=f"{status} receipt from {provider}" + (f": {error}" if error else ""),
            created_at=now,
        )
    return f"{message.pk}: {target}"


def bounce(provider: str, provider_message_id: str, address: str, reason: str) -> str:
    """An email bounce or spam complaint: the address is undeliverable from now on."""
    if address:
        suppress(Channel.EMAIL, address, f"{provider}: {reason}")
    if provider_message_id:
        apply_status(provider, provider_message_id, "failed", error=reason)
    return f"suppressed {Channel.EMAIL}"


def suppress(channel: str, address: str, reason: str) -> None:
    Suppression.objects.update_or_create(
        channel=channel, address=address.strip().lower() if "@" in address else address,
        defaults={"reason": reason[:200]},
    )  # fmt: skip


def prune_device_tokens(tokens: list[str]) -> int:
    deleted, _ = DeviceToken.objects.filter(token__in=tokens).delete()
    if deleted:
        log.info("pruned %s push device tokens FCM called invalid", deleted)
    return int(deleted)


# --- replies -----------------------------------------------------------------------------


def match_number(number: str) -> tuple[Any, Any]:
    """(customer, lead) whose mobile or alternative mobile is ``number`` (E.164)."""
    from clientdesk.customers.models import Customer
    from clientdesk.leads.models import Lead

    query = Q(mobile=number) | Q(alt_mobile=number)
    customer = Customer.objects.filter(query).order_by("pk").first()
    if customer is not None:
        return customer, None
    return None, Lead.objects.filter(query).order_by("pk").first()


def normalise(number: str) -> str:
    raw = number.strip()
    if raw.startswith("whatsapp:"):
        raw = raw.split(":", 1)[1]
    if raw and raw[0].isdigit() and len(raw) > 10:
        raw = "+" + raw  # WhatsApp sends the number without its plus
    try:
        return normalize_phone(raw, settings.DEFAULT_PHONE_REGION)
    except ValidationError:
        return raw[:20]


def receive(
    *,
    channel: str,
    provider: str,
    provider_message_id: str,
    from_number: str,
    body: str,
    at: dt.datetime | None = None,
) -> str:
    """A reply: stored once, matched by number, on the timeline; STOP opts out."""
    number = normalise(from_number)
    customer, lead = match_number(number)
    words = body.strip().upper().split()
    opt_out = bool(words) and len(words) <= 2 and words[0] in OPT_OUT_KEYWORDS
    with transaction.atomic():
        inbound, created = InboundMessage.objects.get_or_create(
            provider=provider,
            provider_message_id=provider_message_id[:200],
            defaults={
                "channel": channel,
                "from_number": number,
                "body": body[:5000],
                "customer": customer,
                "lead": lead,
                "received_at": at or timezone.now(),
                "opt_out": opt_out,
            },
        )
        if not created:
            return "duplicate"
        label = Channel(channel).label
        subject = customer or lead
        if subject is not None:
            log_activity(
                customer,
                actor=None,
                kind=Kind.WHATSAPP if channel == Channel.WHATSAPP else Kind.SMS,
                body=f"{label} reply: {inbound.preview}",
                when=inbound.received_at,
                subject=subject,
                data={"inbound_id": inbound.pk, "channel": channel, "direction": "in"},
            )
        if opt_out and customer is not None:
            _opt_out(customer, channel)
    who = "customer" if customer else "lead" if lead else "unknown sender"
    return f"reply from {who}" + (" (opt-out)" if opt_out else "")


def _opt_out(customer: Any, channel: str) -> None:
    pref, _ = ChannelPreference.objects.get_or_create(customer=customer, channel=channel)
    if pref.opted_out:
        return
    pref.opted_out = True
    pref.updated_by = None
    pref.save()
    audit.record(
        actor=None,
        action="update",
        target=customer,
        changes={f"opt_out.{channel}": {"old": False, "new": True}, "source": "STOP reply"},
    )


# --- the inbox ---------------------------------------------------------------------------


def mark_inbound_read(inbound: InboundMessage, *, actor: Any) -> InboundMessage:
    """Staff opened the reply in the inbox: no longer unread."""
    require(actor, "messages", Access.READ)
    if inbound.read_at is None:
        now = timezone.now()
        InboundMessage.objects.filter(pk=inbound.pk, read_at__isnull=True).update(
            read_at=now, read_by=actor
        )
        inbound.read_at, inbound.read_by = now, actor
    return inbound


# --- device tokens (push) ----------------------------------------------------------------


def register_device(customer: Any, *, actor: Any, token: str, platform: str = "android") -> Any:
    """The customer's app registers a device's FCM token (through a service account)."""
    from .services import can_post_receipts

    if not can_post_receipts(actor):
        raise PermissionDenied("Only the app's integration account may register devices.")
    token = (token or "").strip()
    if not token or len(token) > 400:
        raise ValidationError({"token": "Send the device's registration token."})
    if platform not in ("android", "ios", "web"):
        raise ValidationError({"platform": "One of android, ios, web."})
    with transaction.atomic():
        device, created = DeviceToken.objects.update_or_create(
            token=token, defaults={"customer": customer, "platform": platform}
        )
        if created:
            audit.record(
                actor=actor,
                action="create",
                target=device,
                changes={"customer": str(customer.pk), "platform": platform},
            )
    return device
