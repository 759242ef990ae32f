from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .permissions import has_access

# (label, url name, icon, module or None for always, url prefix that marks it active)
NAVIGATION = [
    ("Dashboard", "home", "layout-dashboard", None, "/"),
    ("Leads", "leads:list", "user-plus", "leads", "/leads/"),
    ("Customers", "customers:list", "users", "customers", "/customers/"),
    ("Tickets", "tickets:list", "ticket", "tickets", "/tickets/"),
    ("Call logs", "calls:list", "phone", "calls", "/calls/"),
    ("My tasks", "followups:mine", "list-checks", "tasks", "/tasks/"),
    ("Messages", "comms:list", "message-circle", "messages", "/messages/"),
    ("Approvals", "approvals:inbox", "shield-check", "approvals", "/approvals/"),
    ("Audit trail", "audit:list", "history", "audit", "/audit/"),
    ("Users & roles", "accounts:users", "settings", "administration", "/admin-area/"),
]


def add_navigation(
    entry: tuple[str, str, str, str | None, str], *, after: str = "", before: str = ""
) -> None:
    """A module's sidebar entry, placed after or before the entry with that URL name (at the
    end when it is missing); called from ``apps.ready``, once however often it runs."""
    if entry in NAVIGATION:
        return
    names = [item[1] for item in NAVIGATION]
    if after in names:
        NAVIGATION.insert(names.index(after) + 1, entry)
    elif before in names:
        NAVIGATION.insert(names.index(before), entry)
    else:
        NAVIGATION.append(entry)


# url name -> function(user) -> int shown as a badge (e.g. tasks due); apps register here.
NAV_BADGES: dict[str, Callable[[Any], int]] = {}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for label, name, icon, module, prefix in NAVIGATION:
        if module and not has_access(user, module):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # the module is not installed
            continue
        active = request.path == "/" if prefix == "/" else request.path.startswith(prefix)
        badge = NAV_BADGES[name](user) if name in NAV_BADGES else None
        items.append({"label": label, "url": url, "icon": icon, "active": active, "badge": badge})
    return {"nav": items, "unread_notifications": _unread_notifications(request, user)}


def _unread_notifications(request: HttpRequest, user: Any) -> int:
    """The top-bar bell's badge: one COUNT on the (recipient, read_at) index per request
    (kept on the request: tables render with the request and rerun context processors)."""
    from clientdesk.notifications.services import unread_count

    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = unread_count(user)  # type: ignore[attr-defined]
    return request._unread_notifications  # type: ignore[attr-defined]
