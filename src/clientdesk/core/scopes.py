"""Read scopes and role capabilities: the two questions a role answers besides module access.

*Read scope* (per role and module, on the role matrix): which rows of a module the user
reads: ``own`` (what the domain calls the user's own: a lead's owner, a task's assignee or
creator, a call's staff user ...), ``team`` (own plus the rows of the people in the user's
team) or ``all``. Each domain's ``visible_to(user)`` asks :func:`scope_q` with the user
fields that make a row "own"; pages, exports, the API and universal search all list through
``visible_to``, so one setting decides all of them.

*Capabilities* (per role, on the role matrix): rules that used to be written as role slugs
in code ("support" gets round-robin tickets, "manager"/"admin" lift a block ...). Code asks
:func:`has_capability` (or :func:`role_ids_with` inside a query); nothing compares slugs.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import reduce
from typing import Any

from django.db import models
from django.db.models import Q

from .permissions import Module, access_map


class ReadScope(models.TextChoices):
    OWN = "own", "Own"
    TEAM = "team", "Team"
    ALL = "all", "All"


# Modules whose rows have an owner in the sense above; the others are read whole (or, like
# KYC documents and screening hits, through the customers the user may see).
SCOPED_MODULES = (
    Module.CUSTOMERS,
    Module.ACTIVITIES,
    Module.LEADS,
    Module.TICKETS,
    Module.CALLS,
    Module.TASKS,
    Module.MESSAGES,
)


class Capability(models.TextChoices):
    ROUND_ROBIN = "round_robin", "Receives round-robin tickets"
    LIFT_BLOCK = "lift_block", "Lifts a Blocked customer back to Active"
    EDIT_TEMPLATES = "edit_templates", "Edits message templates"
    INTEGRATION = "integration", "Posts provider receipts (delivered, read)"


def read_scope(user: Any, module: str) -> str:
    """``own`` / ``team`` / ``all`` for this user and module (superuser: all).

    Loaded with the module levels (one query per request, cached on the user)."""
    if getattr(user, "is_superuser", False):
        return ReadScope.ALL.value
    access_map(user)
    scopes: dict[str, str] = getattr(user, "_read_scopes", None) or {}
    return scopes.get(str(module), ReadScope.ALL.value)


Who = Callable[[str], Q]


def scope_q(
    user: Any, module: str, *user_fields: str, extra: Callable[[Who], Q] | None = None
) -> Q | None:
    """The filter a ``visible_to`` applies for ``module``, or None when the user reads all.

    ``user_fields`` are the foreign keys to the user that make a row the user's own (any of
    them); ``extra(who)`` adds domain rules built with ``who(field)``, which matches the
    user for scope own and the user or a team mate for scope team. A user with no team
    reads, under scope team, what scope own gives.
    """
    scope = read_scope(user, module)
    if scope == ReadScope.ALL:
        return None
    team = str(getattr(user, "team", "") or "") if scope == ReadScope.TEAM else ""

    def who(field: str) -> Q:
        q = Q(**{field: user.pk})
        return q | Q(**{f"{field}__team": team}) if team else q

    parts = [who(field) for field in user_fields]
    if extra is not None:
        parts.append(extra(who))
    return reduce(operator.or_, parts)


def apply_scope(queryset: Any, user: Any, module: str, *user_fields: str, **kwargs: Any) -> Any:
    """``queryset`` narrowed by :func:`scope_q` (unchanged for scope all)."""
    q = scope_q(user, module, *user_fields, **kwargs)
    return queryset if q is None else queryset.filter(q)


def capabilities(user: Any) -> frozenset[str]:
    """The capabilities of the user's role (every one for a superuser); cached on the user."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_capabilities", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        result = frozenset(Capability.values)
    elif user.role_id is None:
        result = frozenset()
    else:
        from clientdesk.accounts.models import RoleCapability

        result = frozenset(
            RoleCapability.objects.filter(role_id=user.role_id).values_list("capability", flat=True)
        )
    user._capabilities = result
    return result


def has_capability(user: Any, capability: str) -> bool:
    """The one check for a capability (``Capability``) of the user's role."""
    return str(capability) in capabilities(user)


def role_ids_with(capability: str) -> Any:
    """A subquery of the ids of roles holding ``capability`` (for ``role_id__in=``)."""
    from clientdesk.accounts.models import RoleCapability

    return RoleCapability.objects.filter(capability=str(capability)).values("role_id")
