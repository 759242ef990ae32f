"""This module's cards on the dashboard (core.dashboard)."""

from __future__ import annotations

from typing import Any

from clientdesk.core.dashboard import Card, register


def _open_alerts(user: Any) -> Any:
    from .models import Alert

    return Alert.objects.visible_to(user).open()


def register_cards() -> None:
    register(Card("alerts_open", "Open monitoring alerts", "monitoring", _open_alerts,
                  "/transactions/alerts/?open=true", order=60, tone="red"))  # fmt: skip
