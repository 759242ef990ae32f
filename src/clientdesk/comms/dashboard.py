"""This module's cards on the dashboard (core.dashboard)."""

from __future__ import annotations

from typing import Any

from clientdesk.core.dashboard import Card, register


def _failed(user: Any) -> Any:
    from .models import Message, MessageStatus

    return Message.objects.visible_to(user).filter(status=MessageStatus.FAILED)


def register_cards() -> None:
    register(Card("messages_failed", "Messages that could not be delivered", "messages",
                  _failed, "/messages/?status=failed", order=70, tone="red"))  # fmt: skip
