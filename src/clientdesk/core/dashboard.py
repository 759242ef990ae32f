"""Cards on the dashboard: each module registers what waits for work in it.

A card names the module it needs (the user must be able to read it), a label, a function
``count(user)`` returning a queryset or an int, the link to the work, and a tone for when
there is something to do. Counts stop at ``CAP`` ("999+"): a dashboard answers "is there
work, and roughly how much", and a bounded count stays cheap on a million rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from .permissions import has_access

CAP = 999


@dataclass(frozen=True)
class Card:
    slug: str
    label: str
    module: str
    count: Callable[[Any], QuerySet[Any] | int]
    url: str
    order: int
    tone: str = "amber"  # the badge colour when the count is not zero
    hint: str = ""


_cards: dict[str, Card] = {}


def register(card: Card) -> None:
    _cards[card.slug] = card


@dataclass(frozen=True)
class Shown:
    card: Card
    value: int

    @property
    def label(self) -> str:
        return f"{CAP}+" if self.value > CAP else f"{self.value:,}"


def cards_for(user: Any) -> list[Shown]:
    shown = []
    for card in sorted(_cards.values(), key=lambda c: c.order):
        if not has_access(user, card.module):
            continue
        result = card.count(user)
        value = result if isinstance(result, int) else result[: CAP + 1].count()
        shown.append(Shown(card, value))
    return shown
