"""Background work for screening (Django Tasks API), scheduled in ``apps.ScreeningConfig``."""

from __future__ import annotations

from django_tasks import task

from clientdesk.core import context
from clientdesk.customers.models import Customer

from . import services


@task()
def screen_customer_task(customer_id: int, trigger: str) -> dict[str, int]:
    """Screen one customer (registration, name or date-of-birth change)."""
    with context.action_context(context.task_context()):
        customer = Customer.objects.filter(pk=customer_id).first()
        if customer is None:
            return {"matches": 0, "new_hits": 0}
        check = services.screen_customer(customer, trigger=trigger)
        return {"matches": check.match_count, "new_hits": check.new_hits}


@task()
def rescreen_task(run_id: int) -> dict[str, object]:
    """Re-screen customers of a run for a while, then queue itself again until done."""
    with context.action_context(context.task_context()):
        finished = services.continue_run(run_id)
    if not finished:
        rescreen_task.enqueue(run_id)
    return {"run": run_id, "finished": finished}


@task()
def resume_stalled_runs() -> dict[str, list[int]]:
    """Every 5 minutes: pick up runs whose worker stopped (crash, deploy)."""
    with context.action_context(context.task_context()):
        return {"resumed": services.resume_stalled_runs()}
