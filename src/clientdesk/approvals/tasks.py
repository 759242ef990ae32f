"""Scheduled work of approvals and re-verification (registered in ApprovalsConfig.ready)."""

from __future__ import annotations

from django_tasks import task

from clientdesk.core import context


@task()
def expire_requests() -> dict[str, int]:
    """Hourly: pending approval requests past their expiry become expired."""
    from . import services

    with context.action_context(context.task_context()):
        return {"expired": services.expire_due()}


@task()
def run_reverification() -> dict[str, int]:
    """Daily: ask customers due for re-verification for documents; flag/restrict overdue."""
    from . import reverification

    with context.action_context(context.task_context()):
        return reverification.run_daily()
