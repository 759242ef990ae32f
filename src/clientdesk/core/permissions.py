"""Module access (None / Read / Read & Write per role) checked in one place.

Every view and API endpoint names its ``module``; reads need READ, writes need WRITE. The
role's rows are loaded once per request and kept on the user object.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models


class Module(models.TextChoices):
    CUSTOMERS = "customers", "Customers"
    ACTIVITIES = "activities", "Activities"
    LEADS = "leads", "Leads"
    TICKETS = "tickets", "Tickets"
    CALLS = "calls", "Call logs"
    TASKS = "tasks", "Tasks"
    MESSAGES = "messages", "Messages"
    DOCUMENTS = "documents", "KYC documents"
    COMPLIANCE = "compliance", "KYC review, screening & risk"
    TRANSACTIONS = "transactions", "Transactions"
    MONITORING = "monitoring", "Monitoring rules & alerts"
    AUDIT = "audit", "Audit trail"
    ADMINISTRATION = "administration", "Users & roles"
    REPORTS = "reports", "Reports & analytics"
    CASES = "cases", "Cases & regulatory reports"
    APPROVALS = "approvals", "Approvals (maker-checker)"
    PRIVACY = "privacy", "Data protection"
    INTEGRATIONS = "integrations", "Integrations & webhooks"


class Access(models.IntegerChoices):
    NONE = 0, "None"
    READ = 1, "Read"
    WRITE = 2, "Read & Write"


def access_map(user: Any) -> dict[str, int]:
    """Module -> access level for this user (cached on the instance)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, "_module_access", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        result = {m.value: Access.WRITE.value for m in Module}
    elif user.role_id is None:
        result = {}
    else:
        from clientdesk.accounts.models import RoleModuleAccess

        rows = RoleModuleAccess.objects.filter(role_id=user.role_id).values_list(
            "module", "level", "read_scope"
        )
        result, scopes = {}, {}
        for module, level, scope in rows:
            result[module], scopes[module] = level, scope
        user._read_scopes = scopes  # read by ``clientdesk.core.scopes.read_scope``
    # An API token's scopes narrow the role (accounts.tokens puts them on the user; no query).
    token_scope = getattr(user, "api_token_scope", None)
    if token_scope is not None:
        result = token_scope.clamp(result)
    user._module_access = result
    return result


def has_access(user: Any, module: str, level: int = Access.READ) -> bool:
    return access_map(user).get(str(module), Access.NONE) >= level


def require(user: Any, module: str, level: int = Access.READ) -> None:
    if not has_access(user, module, level):
        raise PermissionDenied(f"Your role does not allow this in {Module(module).label}.")


def can_view_sensitive(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    role = user.role if user.role_id else None
    return bool(role and role.can_view_sensitive)


def edits_only_own(user: Any) -> bool:
    """The row rule: a role with scope "own" changes only records assigned to the user."""
    if user.is_superuser or user.role_id is None:
        return False
    return bool(user.role.edit_scope == "own")
