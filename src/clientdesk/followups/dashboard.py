"""This module's cards on the dashboard (core.dashboard)."""

from __future__ import annotations

from clientdesk.core.dashboard import Card, register


def register_cards() -> None:
    from .selectors import due_count

    register(
        Card("tasks_due", "My tasks due", "tasks", due_count, "/tasks/", order=10,
             hint="Overdue or due today")
    )  # fmt: skip
