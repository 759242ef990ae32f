"""This module's cards on the dashboard (core.dashboard)."""

from __future__ import annotations

from typing import Any

from clientdesk.core.dashboard import Card, register


def _new(user: Any) -> Any:
    from .models import Lead, LeadStatus

    return Lead.objects.visible_to(user).filter(status=LeadStatus.NEW)


def register_cards() -> None:
    register(Card("leads_new", "New leads to contact", "leads", _new, "/leads/?status=new",
                  order=30, tone="blue"))  # fmt: skip
