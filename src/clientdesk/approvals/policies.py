"""The effective policy of an action: its stored row, else the registry's defaults."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from . import registry
from .models import ApprovalPolicy


@dataclass(frozen=True)
class Effective:
    key: str
    label: str
    enabled: bool
    approver_roles: tuple[str, ...]
    expiry_hours: int
    stored: bool


def _from(action: registry.Action, row: ApprovalPolicy | None) -> Effective:
    if row is None:
        return Effective(
            action.key,
            action.label,
            action.enabled_by_default,
            action.approver_roles,
            settings.APPROVALS_EXPIRY_HOURS,
            False,
        )
    return Effective(
        action.key, action.label, row.enabled, tuple(row.approver_roles), row.expiry_hours, True
    )


def effective(key: str) -> Effective:
    return _from(registry.get(key), ApprovalPolicy.objects.filter(action_key=key).first())


def all_effective() -> list[Effective]:
    rows = {p.action_key: p for p in ApprovalPolicy.objects.all()}
    return [_from(a, rows.get(a.key)) for a in registry.all_actions()]
