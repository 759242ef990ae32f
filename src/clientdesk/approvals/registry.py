"""The approvable actions. Each app registers its own (``register``) from its AppConfig.ready
or from a module this app imports (``approvals.actions`` holds the defaults); an app that
arrives later may attach the executor of an action registered here by key
(``set_executor``), e.g. the cases app for ``cases.reopen``.

An action names:
- ``execute(request)``: applies the stored payload through the domain's own service, as the
  maker (the gate lets it through: ``gate.bypass``); ``None`` for a *grant* (an export: the
  approval lets the maker run it once);
- ``snapshot(target, payload)``: the (before, after) dicts the checker's diff shows;
- the default approver roles (role slugs) and whether it is on by default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

Snapshot = Callable[[Any, dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]


def _payload_only(target: Any, payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return {}, dict(payload)


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    execute: Callable[[Any], Any] | None = None
    snapshot: Snapshot = _payload_only
    approver_roles: tuple[str, ...] = ("manager", "admin")
    enabled_by_default: bool = True
    grant: bool = False  # approval grants one use (no executor)


_actions: dict[str, Action] = {}


def register(action: Action) -> None:
    _actions[action.key] = action


def set_executor(key: str, execute: Callable[[Any], Any]) -> None:
    _actions[key] = replace(_actions[key], execute=execute)


def get(key: str) -> Action:
    return _actions[key]


def all_actions() -> list[Action]:
    return sorted(_actions.values(), key=lambda a: a.label)
