"""The comms outbox's consent check: a marketing message needs the person's consent.

``MARKETING_EVENTS`` names the message events that are marketing (apps that send
campaigns add theirs with ``marketing_event``); service messages (ticket updates, KYC
decisions, transaction alerts) are not, and never need it. ``gate`` is registered in
``clientdesk.comms.services.SEND_GATES``: a marketing message to a customer who has not
given, or has withdrawn, consent for that channel is skipped with the reason.
"""

from __future__ import annotations

from typing import Any

from .models import MARKETING_PURPOSE_BY_CHANNEL, Purpose
from .selectors import latest_consent

MARKETING_EVENTS: set[str] = set()


def marketing_event(event: str) -> None:
    MARKETING_EVENTS.add(event)


def gate(customer: Any, event: str, channel: str) -> str:
    """'' when the message may go; else why not ("skipped: ...")."""
    if event not in MARKETING_EVENTS:
        return ""
    purpose = MARKETING_PURPOSE_BY_CHANNEL.get(channel)
    if purpose is None:
        return "skipped: marketing is not allowed on this channel"
    record = latest_consent(customer, purpose)
    label = Purpose(purpose).label.lower()
    if record is None:
        return f"skipped: no consent to {label}"
    if not record.granted:
        return f"skipped: consent to {label} withdrawn on {record.recorded_at:%d %b %Y}"
    return ""
