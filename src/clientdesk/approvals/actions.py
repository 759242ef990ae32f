"""The default approvable actions: the service each calls and the diff each shows.

Keys are stable (stored in requests and policies).
"""

from __future__ import annotations

from typing import Any

from . import registry
from .registry import Action

CUSTOMER_STATUS = "customer.block_close"
RISK_OVERRIDE = "risk.override"
RULE_CHANGE = "monitoring.rule_change"
ROLE_MATRIX = "accounts.role_matrix"
LARGE_EXPORT = "export.large"
CASE_REOPEN = "cases.reopen"

Pair = tuple[dict[str, Any], dict[str, Any]]


def _customer(pk: Any) -> Any:
    from clientdesk.customers.models import Customer

    return Customer.objects.get(pk=pk)


# --- a closed case reopened ---------------------------------------------------------------


def _case_snapshot(case: Any, payload: dict[str, Any]) -> Pair:
    return (
        {"status": "Closed", "outcome": case.get_outcome_display() if case else ""},
        {"status": "Investigating", "reason": payload["reason"]},
    )


def _case_execute(request: Any) -> Any:
    from clientdesk.cases.models import Case
    from clientdesk.cases.services import reopen_case

    p = request.payload
    return reopen_case(Case.objects.get(pk=p["case"]), actor=request.maker, reason=p["reason"])


# --- customer blocked / closed --------------------------------------------------------------


def _status_snapshot(customer: Any, payload: dict[str, Any]) -> Pair:
    return (
        {"status": customer.status},
        {"status": payload["to_status"], "reason": payload["reason"]},
    )


def _status_execute(request: Any) -> Any:
    from clientdesk.customers.services import change_status

    p = request.payload
    return change_status(
        _customer(p["customer"]), actor=request.maker, to_status=p["to_status"], reason=p["reason"]
    )


# --- risk override --------------------------------------------------------------------------


def _risk_snapshot(customer: Any, payload: dict[str, Any]) -> Pair:
    return (
        {"risk_level": customer.risk_level or "", "override_level": ""},
        {"override_level": payload["level"] or "(cleared)", "reason": payload["reason"]},
    )


def _risk_execute(request: Any) -> Any:
    from clientdesk.screening.services import override_risk

    p = request.payload
    return override_risk(
        _customer(p["customer"]), actor=request.maker, level=p["level"], reason=p["reason"]
    )


# --- monitoring rule ------------------------------------------------------------------------

_RULE_FIELDS = ("name", "rule_type", "parameters", "severity", "enabled", "description")


def _rule_snapshot(rule: Any, payload: dict[str, Any]) -> Pair:
    before = {f: getattr(rule, f) for f in _RULE_FIELDS}
    after = {**before, **{k: v for k, v in payload["data"].items() if k in _RULE_FIELDS}}
    return before, after


def _rule_execute(request: Any) -> Any:
    from clientdesk.transactions.models import Rule
    from clientdesk.transactions.services import update_rule

    rule = Rule.objects.get(pk=request.payload["rule"])
    return update_rule(rule, actor=request.maker, data=request.payload["data"])


# --- role matrix ----------------------------------------------------------------------------


def _role_snapshot(target: Any, payload: dict[str, Any]) -> Pair:
    from clientdesk.accounts.models import Role

    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    roles = Role.objects.prefetch_related("module_access").in_bulk(
        [int(r["role"]) for r in payload["roles"]]
    )
    for change in payload["roles"]:
        role = roles[int(change["role"])]
        stored = {a.module: a.level for a in role.module_access.all()}
        for module, level in change["levels"].items():
            if stored.get(module, 0) != level:
                before[f"{role.name}: {module}"] = stored.get(module, 0)
                after[f"{role.name}: {module}"] = level
        for flag in ("can_view_sensitive", "edit_scope"):
            if getattr(role, flag) != change[flag]:
                before[f"{role.name}: {flag}"] = getattr(role, flag)
                after[f"{role.name}: {flag}"] = change[flag]
    return before, after


def _role_execute(request: Any) -> Any:
    from clientdesk.accounts.models import Role
    from clientdesk.accounts.services import set_role_access

    for change in request.payload["roles"]:
        kwargs = {k: v for k, v in change.items() if k != "role"}
        set_role_access(Role.objects.get(pk=change["role"]), actor=request.maker, **kwargs)


def register_defaults() -> None:
    compliance = ("manager", "compliance", "admin")
    for action in (
        Action(CUSTOMER_STATUS, "Block or close a customer", _status_execute, _status_snapshot,
               compliance),
        Action(RISK_OVERRIDE, "Override a risk level", _risk_execute, _risk_snapshot, compliance),
        Action(RULE_CHANGE, "Change a monitoring rule", _rule_execute, _rule_snapshot,
               compliance),
        Action(ROLE_MATRIX, "Change the role matrix", _role_execute, _role_snapshot, ("admin",)),
        Action(LARGE_EXPORT, "Export many rows", None, registry._payload_only, ("manager", "admin"),
               grant=True),
        Action(CASE_REOPEN, "Reopen a closed case", _case_execute, _case_snapshot, compliance),
    ):  # fmt: skip
        registry.register(action)
