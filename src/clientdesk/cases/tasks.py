"""Background work of the cases app."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def compute_last_month_ctr() -> int:
    """Compute the CTR rows of the month that just ended (firm's time zone)."""
    return len(services.compute_ctr(services.previous_month()))
