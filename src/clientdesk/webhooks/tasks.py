"""Background sending of webhooks (Django Tasks API)."""

from __future__ import annotations

from django_tasks import task

from clientdesk.core import context

from . import services


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt of one delivery; safe to run twice (the claim is locked)."""
    with context.action_context(context.task_context()):
        return services.deliver(delivery_id)


@task()
def retry_due_webhooks() -> int:
    """Every minute (core.schedule): enqueue the deliveries whose retry time has come."""
    with context.action_context(context.task_context()):
        return services.retry_due()
