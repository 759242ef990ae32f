"""Writes to roles and users."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from clientdesk.core import audit
from clientdesk.core.permissions import Access, Module, require
from clientdesk.core.scopes import SCOPED_MODULES, Capability, ReadScope
from clientdesk.core.validators import normalize_email

from . import tokens
from .models import ApiToken, Role, RoleCapability, RoleModuleAccess
from .scopes import clean as clean_scopes_for
from .scopes import role_scopes


def set_role_access(
    role: Role,
    *,
    actor: Any,
    levels: Mapping[str, int],
    can_view_sensitive: bool,
    edit_scope: str,
    read_scopes: Mapping[str, str] | None = None,
    capabilities: Iterable[str] | None = None,
    requires_two_factor: bool | None = None,
) -> Role:
    """Replace a role's module levels, read scopes, capabilities and flags; one audit record
    with the differences. ``read_scopes`` / ``capabilities`` / ``requires_two_factor`` left
    out keep what is stored."""
    require(actor, Module.ADMINISTRATION, Access.WRITE)
    read_scopes = dict(read_scopes or {})
    bad = {m for m in levels if m not in Module.values}
    bad |= {m for m, lvl in levels.items() if lvl not in Access.values}
    bad |= {
        m for m, sc in read_scopes.items() if m not in SCOPED_MODULES or sc not in ReadScope.values
    }
    wanted = None if capabilities is None else set(capabilities)
    if bad or edit_scope not in Role.EditScope.values or (wanted or set()) - set(Capability.values):
        raise ValidationError("Unknown module, level, scope or capability.")
    with transaction.atomic():
        role = Role.objects.select_for_update().get(pk=role.pk)
        rows = {r.module: r for r in role.module_access.all()}
        held = set(role.capabilities.values_list("capability", flat=True))
        before = _role_state(role, rows, held)
        for module in set(levels) | set(read_scopes):
            row = rows.get(module) or RoleModuleAccess(role=role, module=module)
            new = (levels.get(module, row.level), read_scopes.get(module, row.read_scope))
            if row.pk is None or new != (row.level, row.read_scope):
                row.level, row.read_scope = new
                row.save()
            rows[module] = row
        if wanted is not None:
            role.capabilities.exclude(capability__in=wanted).delete()
            RoleCapability.objects.bulk_create(
                [RoleCapability(role=role, capability=c) for c in sorted(wanted - held)]
            )
            held = wanted
        role.can_view_sensitive, role.edit_scope = can_view_sensitive, edit_scope
        if requires_two_factor is not None:
            role.requires_two_factor = requires_two_factor
        role.save(update_fields=["can_view_sensitive", "edit_scope", "requires_two_factor"])
        changes = audit.diff(before, _role_state(role, rows, held))
        if changes:
            audit.record(actor=actor, action="permission_change", target=role, changes=changes)
    return role


def _role_state(role: Role, rows: Mapping[str, RoleModuleAccess], held: set[str]) -> dict[str, Any]:
    """What the audit record compares: levels, read scopes (``<module>_read``), flags."""
    state: dict[str, Any] = {m: r.level for m, r in rows.items()}
    state.update({f"{m}_read": r.read_scope for m, r in rows.items() if m in SCOPED_MODULES})
    state.update(
        can_view_sensitive=role.can_view_sensitive,
        edit_scope=role.edit_scope,
        requires_two_factor=role.requires_two_factor,
        capabilities=", ".join(sorted(held)),
    )
    return state


def issue_api_token(
    user: Any,
    *,
    actor: Any,
    rotate: bool = False,
    scopes: list[str] | None = None,
    days: int | None = None,
    name: str = "",
) -> str:
    """Create a new API token for ``user`` and return its key (shown once, stored hashed).

    ``scopes`` (names of ``accounts.scopes``) may only narrow the user's role; without them
    the token gets the role's module access as it is now. ``days`` until it expires
    (default ``API_TOKEN_DEFAULT_DAYS``, at most ``API_TOKEN_MAX_DAYS``). With ``rotate``
    the user's older tokens are revoked in the same transaction. Audited.
    """
    if actor is not None:  # the CLI (actor None) is trusted; in the app only Admins may
        require(actor, Module.ADMINISTRATION, Access.WRITE)
    expires_at, clean_scopes, name = _clean_token(user, scopes=scopes, days=days, name=name)
    key = tokens.new_key()
    with transaction.atomic():
        revoked = ApiToken.objects.filter(user=user).delete()[0] if rotate else 0
        token = ApiToken.objects.create(
            user=user,
            key_hash=tokens.hash_key(key),
            prefix=key[:8],
            name=name,
            scopes=clean_scopes,
            expires_at=expires_at,
        )
        audit.record(
            actor=actor,
            action="create",
            target=audit.Target("accounts.apitoken", str(user.pk), f"API token of {user.username}"),
            changes={
                "prefix": key[:8],
                "name": name,
                "scopes": clean_scopes,
                "expires_at": token.expires_at.isoformat(),
                "revoked": revoked,
            },
        )
    return key


def _clean_token(
    user: Any, *, scopes: list[str] | None, days: int | None, name: str
) -> tuple[Any, list[str], str]:
    """Expiry, scopes and name of a new token, or a ValidationError naming each bad field."""
    from django.conf import settings
    from django.utils import timezone

    from clientdesk.core.permissions import access_map

    errors: dict[str, list[str]] = {}
    days, max_days = (
        settings.API_TOKEN_DEFAULT_DAYS if days is None else days,
        settings.API_TOKEN_MAX_DAYS,
    )
    if isinstance(days, bool) or not isinstance(days, int) or not 0 < days <= max_days:
        errors["expires_in_days"] = [f"Choose between 1 and {max_days} days."]
        days = 1
    role_access = dict(access_map(user))
    try:
        clean_scopes = (
            role_scopes(role_access) if scopes is None else clean_scopes_for(scopes, role_access)
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
        clean_scopes = []
    if scopes is None and not clean_scopes:
        errors["scopes"] = ["The user's role gives no module access: a token could do nothing."]
    name = str(name or "").strip()
    if len(name) > 80:
        errors["name"] = ["Keep the name under 80 characters."]
    if errors:
        raise ValidationError(errors)
    return timezone.now() + dt.timedelta(days=days), clean_scopes, name


def revoke_api_token(token: ApiToken, *, actor: Any) -> None:
    """Revoke one token (the others of its user stay). Audited."""
    require(actor, Module.ADMINISTRATION, Access.WRITE)
    with transaction.atomic():
        user = token.user
        ApiToken.objects.filter(pk=token.pk).delete()
        audit.record(
            actor=actor,
            action="delete",
            target=audit.Target("accounts.apitoken", str(user.pk), f"API token of {user.username}"),
            changes={"prefix": token.prefix, "name": token.name, "revoked": 1},
        )


# --- users -----------------------------------------------------------------------------------

USER_FIELDS = ("username", "first_name", "last_name", "email", "phone", "team", "role", "is_active")


def _administers() -> Q:
    """Users who may manage users and roles: Users & roles at Read & Write on the matrix
    (the Admin role by default). The lock-out guard below keeps one of them active."""
    managing = RoleModuleAccess.objects.filter(
        module=Module.ADMINISTRATION, level=Access.WRITE
    ).values("role_id")
    return Q(is_superuser=True) | Q(role_id__in=managing)


def _is_admin(user: Any) -> bool:
    """Read from the role as stored, not the cached access of the request's user: the
    role may have just been changed in memory."""
    if user.is_superuser:
        return True
    return bool(
        user.role_id
        and RoleModuleAccess.objects.filter(
            role_id=user.role_id, module=Module.ADMINISTRATION, level=Access.WRITE
        ).exists()
    )


def _validate_user(user: Any, data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    User = get_user_model()
    if creating:
        username = str(data.get("username") or "").strip()
        if not username:
            errors["username"] = ["Enter a username."]
        elif User.objects.filter(username__iexact=username).exists():
            errors["username"] = ["Another user already has this username."]
        else:
            try:
                User.username_validator(username)
            except ValidationError as exc:
                errors["username"] = exc.messages
        clean["username"] = username
    for name in ("first_name", "last_name", "phone"):
        if name in data:
            clean[name] = str(data[name] or "").strip()
    if creating and not clean.get("first_name"):
        errors["first_name"] = ["Enter the person's first name."]
    if "email" in data:
        email = str(data["email"] or "").strip().lower()
        if email:
            try:
                email = normalize_email(email)
            except ValidationError:
                errors["email"] = ["Enter a valid email address."]
            else:
                taken = User.objects.filter(email__iexact=email).exclude(pk=user.pk)
                if taken.exists():
                    errors["email"] = ["Another user already has this email address."]
        clean["email"] = email
    if "role" in data or creating:
        role = data.get("role")
        if isinstance(role, Role):
            clean["role"] = role
        elif role in (None, ""):
            errors["role"] = ["Choose a role: it decides what the person may see and do."]
        else:
            found = Role.objects.filter(pk=int(str(role))).first() if str(role).isdigit() else None
            if found is None:
                errors["role"] = ["Unknown role."]
            clean["role"] = found
    if "team" in data:
        # One spelling per team: read scope "team" matches the name exactly.
        clean["team"] = " ".join(str(data["team"] or "").split())
        if len(clean["team"]) > 64:
            errors["team"] = ["Keep the team name under 64 characters."]
    if "is_active" in data:
        clean["is_active"] = bool(data["is_active"])
    if errors:
        raise ValidationError(errors)
    return clean


def create_user(*, actor: Any, data: Mapping[str, Any], password: str) -> Any:
    """A new staff user with a role and an initial password (checked by the validators)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password

    require(actor, Module.ADMINISTRATION, Access.WRITE)
    User = get_user_model()
    clean = _validate_user(User(), data, creating=True)
    candidate = User(**{k: v for k, v in clean.items() if k != "is_active"})
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    with transaction.atomic():
        user = User(**clean)
        user.set_password(password)
        user.save()
        audit.record(
            actor=actor,
            action="create",
            target=user,
            changes={
                k: (str(v) if k == "role" else v) for k, v in clean.items() if k != "password"
            },
        )
    return user


def update_user(user: Any, *, actor: Any, data: Mapping[str, Any]) -> Any:
    """Name, contact details, role and active flag. Deactivating revokes API tokens.

    Nobody deactivates themselves or takes away their own Admin role, and the last active
    Admin stays an active Admin: the firm must never lock itself out of this page.
    """
    from django.contrib.auth import get_user_model

    require(actor, Module.ADMINISTRATION, Access.WRITE)
    data = {k: v for k, v in data.items() if k in USER_FIELDS and k != "username"}
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        clean = _validate_user(user, data, creating=False)
        before = {k: getattr(user, k) for k in clean}
        for name, value in clean.items():
            setattr(user, name, value)
        stays_admin = user.is_active and _is_admin(user)
        if user.pk == actor.pk and not user.is_active:
            raise ValidationError({"is_active": ["You cannot deactivate your own account."]})
        if user.pk == actor.pk and _is_admin(actor) and not stays_admin:
            raise ValidationError({"role": ["You cannot take away your own Admin role."]})
        if not stays_admin and _is_admin(get_user_model().objects.get(pk=user.pk)):
            others = (
                get_user_model()
                .objects.filter(is_active=True)
                .exclude(pk=user.pk)
                .filter(_administers())
            )
            if not others.exists():
                raise ValidationError({"role": ["The last active Admin must stay an Admin."]})
        user.save(update_fields=list(clean))
        revoked = 0
        if before.get("is_active") and not user.is_active:
            revoked = ApiToken.objects.filter(user=user).delete()[0]
        after = {k: getattr(user, k) for k in clean}
        changes: dict[str, Any] = audit.diff(
            {k: str(v) if k == "role" else v for k, v in before.items()},
            {k: str(v) if k == "role" else v for k, v in after.items()},
        )
        if revoked:
            changes["api_tokens_revoked"] = revoked
        if changes:
            action = "permission_change" if {"role", "is_active"} & set(changes) else "update"
            audit.record(actor=actor, action=action, target=user, changes=changes)
    return user


def set_password(user: Any, *, actor: Any, password: str, keep_session: str | None = None) -> None:
    """An Admin sets a new password for someone (the value is never recorded)."""
    require(actor, Module.ADMINISTRATION, Access.WRITE)
    # A new password ends the user's sessions (all of them: an Admin set it for them).
    _store_password(user, actor=actor, password=password, field="password", keep=keep_session)


def change_own_password(
    user: Any, *, actor: Any, old_password: str, password: str, keep_session: str | None
) -> None:
    """A user changes their own password; their other sessions end, this one stays."""
    if actor.pk != user.pk:
        raise ValidationError("Only the account holder changes their own password.")
    if not user.check_password(old_password):
        raise ValidationError({"old_password": ["Your current password was entered wrongly."]})
    _store_password(user, actor=actor, password=password, field="new_password", keep=keep_session)


def _store_password(user: Any, *, actor: Any, password: str, field: str, keep: str | None) -> None:
    """Validate (errors under ``field``), hash and save the password, end the user's sessions
    but ``keep``, and record it (never the value) in one transaction."""
    from django.contrib.auth.password_validation import validate_password

    from . import sessions

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        ended = sessions.end_all(user, keep=keep)
        audit.record(
            actor=actor,
            action="update",
            target=user,
            changes={"password": "changed", **({"sessions_ended": ended} if ended else {})},
        )


def revoke_api_tokens(user: Any, *, actor: Any) -> int:
    require(actor, Module.ADMINISTRATION, Access.WRITE)
    with transaction.atomic():
        revoked = ApiToken.objects.filter(user=user).delete()[0]
        if revoked:
            audit.record(
                actor=actor,
                action="delete",
                target=audit.Target(
                    "accounts.apitoken", str(user.pk), f"API tokens of {user.username}"
                ),
                changes={"revoked": revoked},
            )
    return revoked
