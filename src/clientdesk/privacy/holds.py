"""Why a person's data may not be erased yet: legal holds and retention obligations.

``erasure_holds(customer)`` lists every reason that applies, each with the law behind it.
Built-in reasons: the relationship is active; it ended under ``PRIVACY_PMLA_YEARS`` (5)
years ago (PMLA s.12: KYC and transaction records kept five years after the relationship
ends); an open transaction-monitoring alert. Other apps add theirs with ``register`` (e.g.
cases: "an open investigation") — a check is ``function(customer) -> list[Hold]``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone


@dataclass(frozen=True)
class Hold:
    code: str
    reason: str
    law: str


Check = Callable[[Any], list[Hold]]
_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    _checks[name] = check


def erasure_holds(customer: Any, *, now: dt.datetime | None = None) -> list[Hold]:
    now = now or timezone.now()
    found = [*_relationship(customer, now)]
    for check in _checks.values():
        found.extend(check(customer))
    return found


def relationship_ended_at(customer: Any) -> dt.datetime | None:
    """When the customer was last closed (None: never closed, or reopened since)."""
    from clientdesk.customers.models import Status

    if customer.status != Status.CLOSED:
        return None
    change = customer.status_changes.filter(to_status=Status.CLOSED).order_by("-created_at").first()
    return change.created_at if change else customer.updated_at


def _relationship(customer: Any, now: dt.datetime) -> list[Hold]:
    ended = relationship_ended_at(customer)
    if ended is None:
        return [
            Hold(
                "relationship_active",
                "The business relationship is still active (the account is not closed).",
                "Contract / PMLA s.12",
            )
        ]
    years = settings.PRIVACY_PMLA_YEARS
    until = ended + dt.timedelta(days=365 * years + years // 4)
    if now < until:
        return [
            Hold(
                "pmla_retention",
                f"Records must be kept {years} years after the relationship ended "
                f"({ended:%d %b %Y}): until {until:%d %b %Y}.",
                "PMLA s.12 (Prevention of Money Laundering Act) / RBI KYC Master Direction",
            )
        ]
    return []


def _open_alerts(customer: Any) -> list[Hold]:
    from clientdesk.transactions.models import OPEN_ALERT_STATUSES, Alert

    if Alert.objects.filter(customer=customer, status__in=OPEN_ALERT_STATUSES).exists():
        return [
            Hold(
                "open_alert",
                "A transaction-monitoring alert on this customer is still open.",
                "PMLA s.12 / legal obligation (GDPR art. 17(3)(b))",
            )
        ]
    return []


register("transactions.open_alert", _open_alerts)
