"""Background work for transactions (Django Tasks API), scheduled in ``apps.TransactionsConfig``."""

from __future__ import annotations

from django_tasks import task

from clientdesk.core import context

from . import services


@task()
def run_nightly_rules() -> dict[str, int]:
    """Nightly: the aggregate monitoring rules (volume, structuring, income) over the period
    that ended at midnight; alerts are stored once per customer and period."""
    with context.action_context(context.task_context()):
        return services.run_nightly_rules()


@task()
def recompute_risk(customer_ids: list[int], reason: str) -> int:
    """Recompute the risk profiles of customers a bulk intake raised alerts for."""
    from clientdesk.screening.services import recompute_risk_for_id

    with context.action_context(context.task_context()):
        for pk in customer_ids:
            recompute_risk_for_id(pk, reason=reason)
    return len(customer_ids)


@task()
def move_last_activity_later(items: list[list[object]]) -> int:
    """Move customers' last-activity dates forward after a large intake (``[pk, ISO time]``
    pairs; never backward, so a late or repeated run is harmless)."""
    import datetime as dt

    from clientdesk.customers.models import Customer

    from .intake import move_forward

    latest = {int(str(pk)): dt.datetime.fromisoformat(str(at)) for pk, at in items}
    move_forward(Customer, "last_activity_at", latest)
    return len(latest)


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
