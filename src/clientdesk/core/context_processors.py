from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from .permissions import has_access

# (label, url name, icon, module or None for always, url prefix that marks it active)
NAVIGATION = [
    ("Dashboard", "home", "layout-dashboard", None, "/"),
    ("Customers", "customers:list", "users", "customers", "/customers/"),
    ("Audit trail", "audit:list", "history", "audit", "/audit/"),
    ("Users & roles", "accounts:roles", "settings", "administration", "/admin-area/"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for label, name, icon, module, prefix in NAVIGATION:
        if module and not has_access(user, module):
            continue
        active = request.path == "/" if prefix == "/" else request.path.startswith(prefix)
        items.append(
            {"label": label, "url": reverse(name), "icon": icon, "active": active, "badge": None}
        )
    return {"nav": items}
