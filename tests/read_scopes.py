"""Test helper: set a default role's read scope for a module, as the role matrix would."""

from __future__ import annotations

from typing import Any

from clientdesk.accounts.models import RoleModuleAccess


def set_read_scope(role_slug: str, module: str, scope: str, *users: Any) -> None:
    """Change the stored scope. Users fetched afterwards (every page request) see it; pass
    in-memory ``users`` (an API client forced to a user object keeps it) to drop their
    cached access."""
    updated = RoleModuleAccess.objects.filter(role__slug=role_slug, module=module).update(
        read_scope=scope
    )
    assert updated == 1, (role_slug, module)
    for user in users:
        for cached in ("_module_access", "_read_scopes"):
            user.__dict__.pop(cached, None)
