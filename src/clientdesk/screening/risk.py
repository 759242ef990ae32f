"""The risk-factor registry: how a customer's risk score is made of named parts.

Each factor is a plain function ``compute(customer) -> (points, explanation)``. The score is
the sum of the points of every registered factor (capped at ``RISK_SCORE_MAX``); the level
follows from ``settings.RISK_LEVEL_THRESHOLDS``. Every contribution is stored with the
profile, so the page can show why a customer is High.

Other apps register their factors from ``AppConfig.ready``::

    from clientdesk.screening.risk import register_factor, request_recompute

    register_factor("kyc_failed", "Failed KYC checks", lambda c: (10, "1 rejected document"))
    # ... and, in the service that changes an input, inside its transaction:
    request_recompute(customer, reason="KYC check failed")

Invariants: a factor returns a non-negative int and a short explanation; it reads the
database but never writes; it must be cheap (it runs on every recompute, after commit).
Registering a name twice replaces the earlier factor (so autoreload and tests stay simple).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

if TYPE_CHECKING:
    from clientdesk.customers.models import Customer

logger = logging.getLogger(__name__)

FactorFn = Callable[["Customer"], tuple[int, str]]


@dataclass(frozen=True)
class Factor:
    name: str
    label: str
    compute: FactorFn


@dataclass(frozen=True)
class Contribution:
    """One factor's share of a score, as stored in the profile and shown on the page."""

    name: str
    label: str
    points: int
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "points": self.points,
            "explanation": self.explanation,
        }


_FACTORS: dict[str, Factor] = {}


def register_factor(name: str, label: str, compute: FactorFn) -> None:
    """Add (or replace) a named factor; call from ``AppConfig.ready``."""
    if not name or not callable(compute):
        raise ValueError("A risk factor needs a name and a callable.")
    _FACTORS[name] = Factor(name=name, label=label, compute=compute)


def unregister_factor(name: str) -> None:
    """For tests."""
    _FACTORS.pop(name, None)


def registered_factors() -> list[Factor]:
    return list(_FACTORS.values())


def evaluate(customer: Customer) -> list[Contribution]:
    """Run every factor; a factor that fails counts 0 and says so (and is logged)."""
    parts = []
    for factor in _FACTORS.values():
        try:
            with transaction.atomic():  # a savepoint: a failed query must not poison the rest
                points, explanation = factor.compute(customer)
            points = max(0, int(points))
        except Exception:  # one broken factor must not block risk for everyone
            logger.exception("Risk factor %s failed for customer %s", factor.name, customer.pk)
            points, explanation = 0, "Could not be computed (see the server log)."
        parts.append(Contribution(factor.name, factor.label, points, str(explanation)))
    return parts


def score_of(parts: list[Contribution]) -> int:
    cap: int = getattr(settings, "RISK_SCORE_MAX", 100)
    return min(cap, sum(p.points for p in parts))


def level_for(score: int) -> str:
    """Map a score to a ``RiskLevel`` value using ``settings.RISK_LEVEL_THRESHOLDS``."""
    thresholds = getattr(settings, "RISK_LEVEL_THRESHOLDS", {"high": 50, "medium": 25})
    if score >= thresholds["high"]:
        return "high"
    if score >= thresholds["medium"]:
        return "medium"
    return "low"


def request_recompute(customer: Customer, *, reason: str) -> None:
    """Recompute ``customer``'s risk profile once the current transaction commits.

    Several requests for the same customer in one transaction run once (the reasons are
    joined). Outside a transaction it runs immediately. A rolled-back transaction drops
    its request with it (Django discards its on-commit callbacks).
    """
    connection = transaction.get_connection()
    for *_sids, func, _robust in connection.run_on_commit:
        if isinstance(func, _Recompute) and func.customer_id == customer.pk and not func.done:
            func.reasons.append(reason)
            return
    transaction.on_commit(_Recompute(customer.pk, [reason]))


@dataclass
class _Recompute:
    customer_id: int
    reasons: list[str]
    done: bool = False

    def __call__(self) -> None:
        self.done = True
        from clientdesk.screening.services import recompute_risk_for_id

        recompute_risk_for_id(self.customer_id, reason="; ".join(dict.fromkeys(self.reasons)))
