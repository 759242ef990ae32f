"""Background work of data protection (Django Tasks API)."""

from __future__ import annotations

from django_tasks import task

from clientdesk.core import context

from . import services


@task()
def build_access_export(export_id: int) -> str:
    """Build the ZIP of an access request (enqueued on commit by ``request_export``)."""
    with context.action_context(context.task_context()):
        return services.build_export(export_id)
