"""Background work of follow-up tasks (Django Tasks API)."""

from __future__ import annotations

from django_tasks import task

from clientdesk.core import context

from . import services


@task()
def send_task_reminders() -> dict[str, int]:
    """Scheduled every minute (see FollowupsConfig.ready): remind assignees of due tasks."""
    with context.action_context(context.task_context()):
        sent = services.send_due_reminders()
    return {"sent": sent}
