"""This module's cards on the dashboard (core.dashboard)."""

from __future__ import annotations

from typing import Any

from clientdesk.core.dashboard import Card, register


def _queue(user: Any) -> Any:
    from .selectors import review_queue

    return review_queue(user).order_by().values("pk")


def register_cards() -> None:
    register(Card("kyc_queue", "Customers awaiting KYC review", "compliance", _queue, "/kyc/",
                  order=40))  # fmt: skip
