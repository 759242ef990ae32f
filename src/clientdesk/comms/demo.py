"""Demo data for `make run`: what real providers send back (receipts, replies).

The development backends keep every message the demo queues as "Not sent (development
backend)". So that the pages also show what a contracted provider reports, a few messages
are recorded as accepted by a provider called ``demo`` and then receive its receipts
(delivered, read, failed), and a few customers reply by WhatsApp and SMS (one says STOP)
— through the same functions the webhooks' task calls.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from . import inbound
from .models import Channel, Event, InboundMessage, Message, MessageStatus

REPLIES = [
    (Channel.WHATSAPP, "Hello, is my KYC approved now? I uploaded the address proof yesterday."),
    (Channel.SMS, "Please call me after 5 pm about the nominee change."),
    (Channel.WHATSAPP, "Thanks, received the statement."),
    (Channel.SMS, "STOP"),
]
RECEIPTS = [
    (Channel.WHATSAPP, ["delivered", "read"]),
    (Channel.SMS, ["delivered"]),
    (Channel.SMS, ["failed"]),
    (Channel.WHATSAPP, ["delivered"]),
    (Channel.EMAIL, ["delivered"]),
]


def seed_provider_demo(customers: Any) -> str:
    """Receipts on five messages and four replies in the inbox (idempotent)."""
    if Message.objects.filter(provider="demo").exists():
        return "Provider receipts and replies: already there."
    chosen = [c for c in customers.order_by("pk")[:40] if c.mobile and c.email][:9]
    now = timezone.now()
    for k, (customer, (channel, statuses)) in enumerate(zip(chosen, RECEIPTS, strict=False)):
        message = Message.objects.create(
            customer=customer,
            channel=channel,
            event=Event.MANUAL,
            to_address=customer.email if channel == Channel.EMAIL else customer.mobile,
            body=f"Hello {customer.first_name}, your request has been updated.",
            status=MessageStatus.SENT,
            attempts=1,
            provider="demo",
            provider_message_id=f"demo-{k + 1}",
            sent_at=now - dt.timedelta(hours=2),
            created_at=now - dt.timedelta(hours=2),
        )
        for status in statuses:
            error = "30003: unreachable handset (demo)" if status == "failed" else ""
            inbound.apply_status("demo", message.provider_message_id, status, error=error)
    for k, (customer, (channel, text)) in enumerate(zip(chosen[5:], REPLIES, strict=False)):
        inbound.receive(
            channel=channel,
            provider="demo",
            provider_message_id=f"demo-in-{k + 1}",
            from_number=customer.mobile,
            body=text,
            at=now - dt.timedelta(minutes=30 * (k + 1)),
        )
    unread = InboundMessage.objects.filter(read_at__isnull=True).count()
    return f"Provider receipts on {min(len(chosen), 5)} messages; {unread} replies in the inbox."
