"""Tabs of the customer profile. Other modules add theirs (Tickets, Calls, Documents ...).

A tab names the module it needs, an optional count shown on the tab ("Tickets (2)"), the
template that renders it and a function that builds its context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from clientdesk.core.permissions import has_access


@dataclass(frozen=True)
class ProfileTab:
    slug: str
    label: str
    module: str
    template: str
    order: int
    count: Callable[..., int] | None = None
    context: Callable[[HttpRequest, Any], dict[str, Any]] | None = None
    # True: ``count(customer, user)`` counts only what the user may see (e.g. own calls).
    count_per_user: bool = False
    # What the count counts when it is not every record of the tab, e.g. "open": the tab
    # then reads "Tickets 2 open", and shows no count at all when there is none open.
    count_label: str = ""


_tabs: dict[str, ProfileTab] = {}


def register(tab: ProfileTab) -> None:
    _tabs[tab.slug] = tab


def visible_tabs(user: Any) -> list[ProfileTab]:
    return sorted((t for t in _tabs.values() if has_access(user, t.module)), key=lambda t: t.order)


def tab_count(tab: ProfileTab, customer: Any, user: Any) -> int | None:
    if tab.count is None:
        return None
    return tab.count(customer, user) if tab.count_per_user else tab.count(customer)


def get(slug: str) -> ProfileTab | None:
    return _tabs.get(slug)
