from __future__ import annotations

from typing import Any

from django import template

from clientdesk.core.tables import render_changes

register = template.Library()


@register.simple_tag
def audit_changes(changes: dict[str, Any], object_type: str = "") -> Any:
    return render_changes(changes, object_type)
