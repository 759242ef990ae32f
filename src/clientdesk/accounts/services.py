"""Writes to roles and users."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clientdesk.core import audit
from clientdesk.core.permissions import Access, Module, require

from . import tokens
from .models import ApiToken, Role, RoleModuleAccess


def set_role_access(
    role: Role,
    *,
    actor: Any,
    levels: Mapping[str, int],
    can_view_sensitive: bool,
    edit_scope: str,
) -> Role:
    """Replace a role's module levels and flags; one audit record with the differences."""
    require(actor, Module.ADMINISTRATION, Access.WRITE)
    bad = {m for m in levels if m not in Module.values}
    bad |= {m for m, lvl in levels.items() if lvl not in Access.values}
    if bad or edit_scope not in Role.EditScope.values:
        raise ValidationError("Unknown module, level or scope.")
    with transaction.atomic():
        role = Role.objects.select_for_update().get(pk=role.pk)
        before: dict[str, Any] = {r.module: r.level for r in role.module_access.all()}
        before.update(can_view_sensitive=role.can_view_sensitive, edit_scope=role.edit_scope)
        for module, level in levels.items():
            RoleModuleAccess.objects.update_or_create(
                role=role, module=module, defaults={"level": level}
            )
        role.can_view_sensitive, role.edit_scope = can_view_sensitive, edit_scope
        role.save(update_fields=["can_view_sensitive", "edit_scope"])
        after = {
            **before,
            **levels,
            "can_view_sensitive": can_view_sensitive,
            "edit_scope": edit_scope,
        }
        changes = audit.diff(before, after)
        if changes:
            audit.record(actor=actor, action="permission_change", target=role, changes=changes)
    return role


def issue_api_token(user: Any, *, actor: Any, rotate: bool = False) -> str:
    """Create a new API token for ``user`` and return its key (shown once, stored hashed).

    With ``rotate`` the user's older tokens are revoked in the same transaction. Audited.
    """
    if actor is not None:  # the CLI (actor None) is trusted; in the app only Admins may
        require(actor, Module.ADMINISTRATION, Access.WRITE)
    key = tokens.new_key()
    with transaction.atomic():
        revoked = ApiToken.objects.filter(user=user).delete()[0] if rotate else 0
        ApiToken.objects.create(user=user, key_hash=tokens.hash_key(key), prefix=key[:8])
        audit.record(
            actor=actor,
            action="create",
            target=audit.Target("accounts.apitoken", str(user.pk), f"API token of {user.username}"),
            changes={"prefix": key[:8], "revoked": revoked},
        )
    return key
