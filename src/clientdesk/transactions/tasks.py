"""Background work for transactions (Django Tasks API), scheduled in ``apps.TransactionsConfig``."""

from __future__ import annotations

import logging

from django_tasks import task

from clientdesk.core import context

from . import services
from .reconcile import reconcile

logger = logging.getLogger(__name__)


@task()
def run_nightly_rules() -> dict[str, int]:
    """Nightly: the aggregate monitoring rules (volume, structuring, income) over the period
    that ended at midnight; alerts are stored once per customer and period."""
    with context.action_context(context.task_context()):
        return services.run_nightly_rules()


@task()
def reconcile_books() -> dict[str, object]:
    """Nightly: ``reconcile_balances`` — balances against the ledger, customers' totals
    against their transactions, and every reference of the intake tables (which are not
    database foreign keys). A mismatch is logged as an error; the result lists the first 20."""
    found = reconcile()
    if found:
        logger.error(
            "Reconciliation found %d mismatch(es), first: %s",
            len(found),
            "; ".join(map(str, found[:5])),
        )
    return {"ok": not found, "mismatches": len(found), "first": [str(m) for m in found[:20]]}


@task()
def recompute_risk(customer_ids: list[int], reason: str) -> int:
    """Recompute the risk profiles of customers a bulk intake raised alerts for."""
    from clientdesk.screening.services import recompute_risk_for_id

    with context.action_context(context.task_context()):
        for pk in customer_ids:
            recompute_risk_for_id(pk, reason=reason)
    return len(customer_ids)


@task()
def send_sms_alerts(items: list[list[object]], actor_id: int | None) -> int:
    """Queue the SMS alerts of a large intake (``[transaction id, blocked]`` pairs)."""
    from django.contrib.auth import get_user_model

    from .intake import send_sms_alert
    from .models import Transaction

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    blocked = {int(str(pk)): bool(flag) for pk, flag in items}
    txs = Transaction.objects.filter(pk__in=list(blocked)).select_related("customer")
    with context.action_context(context.task_context()):
        for tx in txs.order_by("pk"):
            send_sms_alert(tx, actor=actor, blocked=blocked[tx.pk])
    return len(blocked)
