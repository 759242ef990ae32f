"""This module's cards on the dashboard (core.dashboard)."""

from __future__ import annotations

from typing import Any

from clientdesk.core.dashboard import Card, register


def _open_hits(user: Any) -> Any:
    from .models import HitStatus, ScreeningHit

    return ScreeningHit.objects.visible_to(user).filter(status=HitStatus.OPEN)


def register_cards() -> None:
    register(Card("screening_open", "Open screening hits", "compliance", _open_hits,
                  "/screening/?status=open", order=50, tone="red"))  # fmt: skip
