"""The five default roles and their module access, as installed by migration."""

from __future__ import annotations

from clientdesk.core.permissions import Access, Module

R, W, N = Access.READ, Access.WRITE, Access.NONE

DEFAULT_ROLES: dict[str, dict] = {
    "sales": {
        "name": "Sales User",
        "description": "Own leads, customers, activities and tasks.",
        "can_view_sensitive": False,
        "edit_scope": "own",
        "access": {
            Module.LEADS: W,
            Module.TICKETS: R,
            Module.CALLS: W,
            Module.TASKS: W,
            Module.MESSAGES: W,
            Module.CUSTOMERS: W,
            Module.ACTIVITIES: W,
            Module.DOCUMENTS: W,
            Module.COMPLIANCE: N,
            Module.TRANSACTIONS: R,
            Module.MONITORING: N,
            Module.AUDIT: N,
            Module.ADMINISTRATION: N,
        },
    },
    "support": {
        "name": "Support User",
        "description": "Tickets and customer contact.",
        "can_view_sensitive": False,
        "edit_scope": "own",
        "access": {
            Module.LEADS: R,
            Module.TICKETS: W,
            Module.CALLS: W,
            Module.TASKS: W,
            Module.MESSAGES: W,
            Module.CUSTOMERS: R,
            Module.ACTIVITIES: W,
            Module.DOCUMENTS: R,
            Module.COMPLIANCE: N,
            Module.TRANSACTIONS: R,
            Module.MONITORING: N,
            Module.AUDIT: N,
            Module.ADMINISTRATION: N,
        },
    },
    "manager": {
        "name": "Manager",
        "description": "Team performance, approvals and reports.",
        "can_view_sensitive": False,
        "edit_scope": "all",
        "access": {
            Module.LEADS: W,
            Module.TICKETS: W,
            Module.CALLS: W,
            Module.TASKS: W,
            Module.MESSAGES: W,
            Module.CUSTOMERS: W,
            Module.ACTIVITIES: W,
            Module.DOCUMENTS: W,
            Module.COMPLIANCE: R,
            Module.TRANSACTIONS: R,
            Module.MONITORING: R,
            Module.AUDIT: N,
            Module.ADMINISTRATION: N,
        },
    },
    "compliance": {
        "name": "Compliance Officer",
        "description": "KYC review, screening, monitoring and the audit trail.",
        "can_view_sensitive": True,
        "edit_scope": "all",
        "requires_two_factor": True,
        "access": {
            Module.LEADS: R,
            Module.TICKETS: R,
            Module.CALLS: R,
            Module.TASKS: W,
            Module.MESSAGES: R,
            Module.CUSTOMERS: W,
            Module.ACTIVITIES: W,
            Module.DOCUMENTS: W,
            Module.COMPLIANCE: W,
            Module.TRANSACTIONS: R,
            Module.MONITORING: W,
            Module.AUDIT: R,
            Module.ADMINISTRATION: N,
        },
    },
    "admin": {
        "name": "Admin",
        "description": "Everything, including users and roles.",
        "can_view_sensitive": True,
        "edit_scope": "all",
        "requires_two_factor": True,
        "access": {
            Module.LEADS: W,
            Module.TICKETS: W,
            Module.CALLS: W,
            Module.TASKS: W,
            Module.MESSAGES: W,
            Module.CUSTOMERS: W,
            Module.ACTIVITIES: W,
            Module.DOCUMENTS: W,
            Module.COMPLIANCE: W,
            Module.TRANSACTIONS: W,
            Module.MONITORING: W,
            Module.AUDIT: R,
            Module.ADMINISTRATION: W,
        },
    },
}

PRIVILEGED_ROLES = {"manager", "admin"}  # may lift a Blocked customer back to Active


def install_default_roles(role_model, access_model) -> None:  # type: ignore[no-untyped-def]
    """Create any missing default role and module row; never overwrite an Admin's edits."""
    for slug, spec in DEFAULT_ROLES.items():
        fields = ["name", "description", "can_view_sensitive", "edit_scope"]
        # Migrations before 0008 see a Role without the two-factor flag.
        if any(f.name == "requires_two_factor" for f in role_model._meta.get_fields()):
            fields.append("requires_two_factor")
        role, _ = role_model.objects.get_or_create(
            slug=slug, defaults={k: spec.get(k, False) for k in fields}
        )
        for module, level in spec["access"].items():
            access_model.objects.get_or_create(
                role=role, module=str(module), defaults={"level": int(level)}
            )
