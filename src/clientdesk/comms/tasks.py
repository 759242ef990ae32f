"""Background delivery of messages to customers (Django Tasks API)."""

from __future__ import annotations

from django_tasks import task

from clientdesk.core import context

from . import services


@task()
def deliver_message(message_id: int) -> str:
    """One delivery attempt for one message; safe to run twice (the claim is locked)."""
    with context.action_context(context.task_context()):
        return services.deliver(message_id)


@task()
def retry_due_messages() -> int:
    """Every minute (core.schedule): enqueue the messages whose retry time has come."""
    with context.action_context(context.task_context()):
        return services.retry_due()


@task()
def process_provider_event(event_id: int) -> str:
    """A webhook event stored by ``hooks`` (receipt, reply, bounce), applied once."""
    from . import inbound

    with context.action_context(context.task_context()):
        return inbound.process_event(event_id)
