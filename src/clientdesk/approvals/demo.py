"""Demo data: a few pending approval requests and customers due / overdue for
re-verification (called from ``seed_demo``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.test.utils import override_settings
from django.utils import timezone

from .gate import PendingApproval


def seed_approvals(*, customers: QuerySet[Any], users: dict[str, Any]) -> str:
    from clientdesk.customers.models import Customer, Status
    from clientdesk.customers.services import change_status
    from clientdesk.screening.services import override_risk

    picked = list(customers.filter(status=Status.ACTIVE).order_by("id")[:8])
    if len(picked) < 8:
        return "Approvals: not enough active customers for the demo."
    made = 0
    with override_settings(APPROVALS_ENABLED=True):
        for customer, to in ((picked[0], Status.BLOCKED), (picked[1], Status.CLOSED)):
            try:
                change_status(
                    customer,
                    actor=users["compliance"],
                    to_status=to,
                    reason="Customer asked to leave" if to == Status.CLOSED else "Mule account",
                )
            except PendingApproval:
                made += 1
        try:
            override_risk(
                picked[2], actor=users["compliance"], level="high", reason="Adverse media report"
            )
        except PendingApproval:
            made += 1
    today = timezone.localdate()
    offsets = (10, 25, -3, -12, -45)  # due soon x2, due x2, overdue (past the grace period)
    for customer, days in zip(picked[3:], offsets, strict=False):
        Customer.objects.filter(pk=customer.pk).update(
            next_reverification_on=today + dt.timedelta(days=days)
        )
    return f"Approvals: {made} requests waiting; 5 customers due for re-verification."
