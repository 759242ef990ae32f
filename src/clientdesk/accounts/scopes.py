"""What an API token may do: its scopes.

The vocabulary has two kinds of names:

- **module scopes**, ``<module>:read`` and ``<module>:write`` for every module of
  ``core.permissions.Module`` (``customers:read``, ``tickets:write`` ...). ``write`` includes
  ``read``. A token's right on a module is the lower of its scope and its user's role level
  (effective right = role right ∩ token scope), checked where every right is checked
  (``core.permissions.access_map``), so a scope can only narrow what the role allows;
- **special scopes**, named capabilities that are not a module level, such as
  ``comms:integration`` (a provider integration posting message receipts). An app declares
  one with ``register_special_scope``; an endpoint that needs one checks it with
  ``token_has_scope`` or the ``RequireTokenScope`` permission. A special scope may name the
  module level its user's role must have for the scope to be granted.

Scopes are stored on the token as a JSON list of these names; ``TokenScope`` is the parsed
form, built once per request from the row the token lookup already read (no query).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from clientdesk.core.permissions import Access, Module

READ, WRITE = "read", "write"
LEVEL_OF = {READ: Access.READ.value, WRITE: Access.WRITE.value}
NAME_OF = {Access.READ.value: READ, Access.WRITE.value: WRITE}


@dataclass(frozen=True)
class SpecialScope:
    name: str
    description: str
    # The role must have at least this level on this module for the scope to be granted.
    module: str | None = None
    level: int = Access.NONE


SPECIAL_SCOPES: dict[str, SpecialScope] = {}


def register_special_scope(
    name: str, description: str, *, module: str | None = None, level: int = Access.NONE
) -> SpecialScope:
    """Add a named scope to the vocabulary (idempotent; call it at import time)."""
    if ":" not in name or name.split(":", 1)[1] in LEVEL_OF:
        raise ValueError(f"{name!r}: a special scope is 'area:name', not a module level.")
    scope = SpecialScope(name, description, module, int(level))
    SPECIAL_SCOPES[name] = scope
    return scope


COMMS_INTEGRATION = register_special_scope(
    "comms:integration",
    "A messaging provider's integration: delivery receipts and inbound callbacks.",
    module=Module.MESSAGES,
    level=Access.WRITE,
).name


def module_scope(module: str, level: int) -> str:
    return f"{module}:{NAME_OF[level]}"


def module_scopes() -> list[str]:
    return [module_scope(m.value, level) for m in Module for level in (Access.READ, Access.WRITE)]


def vocabulary() -> list[str]:
    """Every scope name a token may carry."""
    return module_scopes() + sorted(SPECIAL_SCOPES)


@dataclass(frozen=True)
class TokenScope:
    """A token's scopes, parsed: module -> highest level, and the special scope names."""

    levels: Mapping[str, int]
    special: frozenset[str]

    @classmethod
    def parse(cls, names: Iterable[str]) -> TokenScope:
        levels: dict[str, int] = {}
        special: set[str] = set()
        for name in names or ():
            module, _, level = str(name).partition(":")
            if level in LEVEL_OF and module in Module.values:
                levels[module] = max(levels.get(module, 0), LEVEL_OF[level])
            elif name in SPECIAL_SCOPES:
                special.add(name)
        return cls(levels, frozenset(special))

    def clamp(self, access: Mapping[str, int]) -> dict[str, int]:
        """The role's module access narrowed to this scope."""
        return {m: min(level, self.levels.get(m, Access.NONE)) for m, level in access.items()}

    def names(self) -> list[str]:
        found = [module_scope(m, lvl) for m, lvl in self.levels.items() if lvl > Access.NONE]
        return sorted(found) + sorted(self.special)


def role_scopes(access: Mapping[str, int]) -> list[str]:
    """Scopes equal to a role's module access: the widest a token of that user may get."""
    return sorted(module_scope(m, lvl) for m, lvl in access.items() if lvl > Access.NONE)


def clean(names: Any, access: Mapping[str, int]) -> list[str]:
    """Validated, normalised scope names for a token of a user with ``access``.

    Unknown names, and scopes beyond what the role allows, are field errors on ``scopes``.
    """
    if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
        raise ValidationError({"scopes": ["Send the scopes as a list of names."]})
    errors = [f"{n}: no such scope." for n in names if n not in vocabulary()]
    scope = TokenScope.parse(names)
    for module, level in scope.levels.items():
        if access.get(module, Access.NONE) < level:
            errors.append(
                f"{module_scope(module, level)}: more than the user's role allows on "
                f"{Module(module).label}."
            )
    for name in sorted(scope.special):
        needs = SPECIAL_SCOPES[name]
        if needs.module and access.get(needs.module, Access.NONE) < needs.level:
            errors.append(f"{name}: the user's role lacks {Module(needs.module).label} access.")
    if not scope.names():
        errors.append("Choose at least one scope.")
    if errors:
        raise ValidationError({"scopes": errors})
    return scope.names()
