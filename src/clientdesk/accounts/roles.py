"""The default roles, their module access, read scopes and capabilities, as installed by
migration. Afterwards the role matrix (``/admin-area/roles/``) is where they change."""

from __future__ import annotations

from typing import Any

from clientdesk.core.permissions import Access, Module
from clientdesk.core.scopes import Capability, ReadScope

R, W, N = Access.READ, Access.WRITE, Access.NONE
OWN, ALL = ReadScope.OWN, ReadScope.ALL

DEFAULT_ROLES: dict[str, dict] = {
    "sales": {
        "name": "Sales User",
        "description": "Own leads, customers, activities and tasks.",
        "can_view_sensitive": False,
        "edit_scope": "own",
        # The guide: "Sales User (own leads, activities, tasks)"; calls as before.
        "read_scope": {
            Module.LEADS: OWN,
            Module.ACTIVITIES: OWN,
            Module.TASKS: OWN,
            Module.CALLS: OWN,
        },
        "capabilities": [],
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
            Module.REPORTS: N,
            Module.CASES: N,
            Module.APPROVALS: N,
            Module.PRIVACY: N,
            Module.INTEGRATIONS: N,
        },
    },
    "support": {
        "name": "Support User",
        "description": "Tickets and customer contact.",
        "can_view_sensitive": False,
        "edit_scope": "own",
        # The shared ticket queue stays readable whole; own calls and tasks, as before.
        "read_scope": {Module.TASKS: OWN, Module.CALLS: OWN},
        "capabilities": [Capability.ROUND_ROBIN],
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
            Module.REPORTS: N,
            Module.CASES: N,
            Module.APPROVALS: N,
            Module.PRIVACY: N,
            Module.INTEGRATIONS: N,
        },
    },
    "manager": {
        "name": "Manager",
        "description": "Team performance, approvals and reports.",
        "can_view_sensitive": False,
        "edit_scope": "all",
        # "all" until teams are set on the users' pages; then "team" may be chosen.
        "read_scope": {},
        "capabilities": [Capability.LIFT_BLOCK, Capability.EDIT_TEMPLATES],
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
            Module.REPORTS: W,
            Module.CASES: N,
            Module.APPROVALS: W,
            Module.PRIVACY: N,
            Module.INTEGRATIONS: N,
        },
    },
    "compliance": {
        "name": "Compliance Officer",
        "description": "KYC review, screening, monitoring and the audit trail.",
        "can_view_sensitive": True,
        "edit_scope": "all",
        "requires_two_factor": True,
        "read_scope": {},
        "capabilities": [],
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
            Module.REPORTS: W,
            Module.CASES: W,
            Module.APPROVALS: W,
            Module.PRIVACY: W,
            Module.INTEGRATIONS: N,
        },
    },
    "admin": {
        "name": "Admin",
        "description": "Everything, including users and roles.",
        "can_view_sensitive": True,
        "edit_scope": "all",
        "requires_two_factor": True,
        "read_scope": {},
        "capabilities": [Capability.LIFT_BLOCK, Capability.EDIT_TEMPLATES],
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
            Module.REPORTS: W,
            Module.CASES: W,
            Module.APPROVALS: W,
            Module.PRIVACY: W,
            Module.INTEGRATIONS: W,
        },
    },
    "integration": {
        "name": "Integration",
        "description": "Service accounts of message providers: delivery and read receipts.",
        "can_view_sensitive": False,
        "edit_scope": "all",
        "read_scope": {},
        "capabilities": [Capability.INTEGRATION],
        # Messages write for the receipts; Customers read so the customer's app can list a
        # customer's in-app messages (``/api/v1/customers/<id>/messages/``).
        "access": {**{m: N for m in Module}, Module.MESSAGES: W, Module.CUSTOMERS: R},
    },
    "dpo": {
        "name": "Data Protection Officer",
        "description": "Data-subject requests, consent, retention and the breach register.",
        # An access export holds the person's own identifiers in clear.
        "can_view_sensitive": True,
        "edit_scope": "all",
        "requires_two_factor": True,
        "read_scope": {},
        "capabilities": [],
        # Reads what an access export gathers; never cases (tipping-off).
        "access": {
            **{m: N for m in Module},
            **{
                m: R
                for m in (
                    Module.CUSTOMERS,
                    Module.ACTIVITIES,
                    Module.LEADS,
                    Module.TICKETS,
                    Module.CALLS,
                    Module.TASKS,
                    Module.MESSAGES,
                    Module.DOCUMENTS,
                    Module.TRANSACTIONS,
                    Module.AUDIT,
                )
            },
            Module.PRIVACY: W,
        },
    },
}


def _fields(model: Any) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def install_default_roles(role_model, access_model, capability_model=None) -> None:  # type: ignore[no-untyped-def]
    """Create any missing default role and module row; never overwrite an Admin's edits.

    Earlier migrations call this with their historical models, which may not have read
    scopes or capabilities yet: those are installed only where the model has them.
    """
    scoped = "read_scope" in _fields(access_model)
    for slug, spec in DEFAULT_ROLES.items():
        fields = ["name", "description", "can_view_sensitive", "edit_scope"]
        # Migrations before 0008 see a Role without the two-factor flag.
        if "requires_two_factor" in _fields(role_model):
            fields.append("requires_two_factor")
        role, created = role_model.objects.get_or_create(
            slug=slug, defaults={k: spec.get(k, False) for k in fields}
        )
        for module, level in spec["access"].items():
            defaults: dict[str, Any] = {"level": int(level)}
            if scoped:
                defaults["read_scope"] = str(spec["read_scope"].get(module, ALL))
            access_model.objects.get_or_create(role=role, module=str(module), defaults=defaults)
        if created and capability_model is not None:
            for capability in spec["capabilities"]:
                capability_model.objects.get_or_create(role=role, capability=str(capability))


def apply_default_scopes(role_model, access_model, capability_model) -> None:  # type: ignore[no-untyped-def]
    """Once, when read scopes and capabilities arrive, keep what the code decided until then:

    - calls and tasks: scope own for every role with edit scope own (the old rule);
    - leads and activities of the default roles: the table (the guide's "own leads,
      activities, tasks" for Sales);
    - capabilities of the default roles by slug (the code compared slugs).
    """
    follows_edit_scope = {str(Module.CALLS), str(Module.TASKS)}
    access_model.objects.filter(role__edit_scope="own", module__in=follows_edit_scope).update(
        read_scope=str(OWN)
    )
    for role in role_model.objects.filter(slug__in=list(DEFAULT_ROLES)):
        spec = DEFAULT_ROLES[role.slug]
        for module, scope in spec["read_scope"].items():
            if str(module) not in follows_edit_scope:
                rows = access_model.objects.filter(role=role, module=str(module))
                rows.update(read_scope=str(scope))
        for capability in spec["capabilities"]:
            capability_model.objects.get_or_create(role=role, capability=str(capability))
    install_default_roles(role_model, access_model, capability_model)
