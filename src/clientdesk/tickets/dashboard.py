"""This module's cards on the dashboard (core.dashboard)."""

from __future__ import annotations

from typing import Any

from clientdesk.core.dashboard import Card, register


def _open(user: Any) -> Any:
    from .models import Ticket

    return Ticket.objects.visible_to(user).open()


def _breached(user: Any) -> Any:
    from .models import SLAStatus

    return _open(user).filter(sla_status=SLAStatus.FAILED)


def register_cards() -> None:
    register(Card("tickets_open", "Open tickets", "tickets", _open, "/tickets/?open=true",
                  order=20, tone="blue"))  # fmt: skip
    register(Card("tickets_breached", "Open tickets past their SLA", "tickets", _breached,
                  "/tickets/?open=true&sla_status=failed", order=21, tone="red"))  # fmt: skip
