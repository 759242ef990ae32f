"""Reads of messages, always through ``visible_to``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Channel, ChannelPreference, Message


def message_for(user: Any, pk: int) -> Message:
    """Fetch and authorize together: 404 for what the user may not see."""
    return get_object_or_404(Message.objects.visible_to(user).for_list(), pk=pk)


def customer_messages(user: Any, customer: Any) -> QuerySet[Message]:
    return Message.objects.visible_to(user).filter(customer=customer).select_related("created_by")


def preferences(customer: Any) -> list[dict[str, Any]]:
    """Every channel with the customer's choice (one query)."""
    opted = dict(
        ChannelPreference.objects.filter(customer=customer).values_list("channel", "opted_out")
    )
    return [
        {
            "channel": value,
            "label": label,
            "opted_out": bool(opted.get(value, False)),
            # COMMS_<NAME>_ENABLED=false: nothing is sent on it, whatever the customer chose.
            "switched_off": not settings.COMMS_CHANNELS.get(value, {}).get("enabled", True),
        }
        for value, label in Channel.choices
    ]
