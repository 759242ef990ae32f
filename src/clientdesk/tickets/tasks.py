"""Background work for tickets (Django Tasks API), scheduled in ``apps.TicketsConfig``."""

from __future__ import annotations

from django_tasks import task

from clientdesk.core import context

from . import services


@task()
def check_sla_breaches() -> dict[str, int]:
    """Every 5 minutes: mark missed SLA targets and notify the assignees (once per target)."""
    with context.action_context(context.task_context()):
        return {"breaches": services.check_sla_breaches()}
