from __future__ import annotations

from typing import Any

from django import template

from clientdesk.core.tables import render_changes

register = template.Library()


@register.simple_tag
def audit_changes(changes: dict[str, Any], object_type: str = "") -> Any:
    return render_changes(changes, object_type)


@register.filter
def can_write(user: Any, module: str) -> bool:
    """``{% if request.user|can_write:"cases" %}``: the role's access map, cached on the user
    (no query once the sidebar has been built)."""
    from clientdesk.core.permissions import Access, has_access

    return has_access(user, module, Access.WRITE)
