"""Background work for leads (Django Tasks API)."""

from __future__ import annotations

from django_tasks import task

from clientdesk.core import context

from . import services


@task()
def expire_leads() -> dict[str, int]:
    """The daily expiry job (scheduled in ``LeadsConfig.ready``)."""
    with context.action_context(context.task_context()):
        return services.expire_leads()
