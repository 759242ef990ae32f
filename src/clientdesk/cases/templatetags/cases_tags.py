from __future__ import annotations

from typing import Any

from django import template

from clientdesk.core.permissions import Access, has_access

register = template.Library()


@register.filter
def can_write(user: Any, module: str) -> bool:
    """``{% if request.user|can_write:"cases" %}``: the role's access map, cached on the user
    (no query once the sidebar has been built)."""
    return has_access(user, module, Access.WRITE)
