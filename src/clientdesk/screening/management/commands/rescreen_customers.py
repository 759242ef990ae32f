from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from clientdesk.screening import services
from clientdesk.screening.models import RunStatus, ScreeningRun, Trigger


class Command(BaseCommand):
    help = "Re-screen every customer against the current lists (or resume run --run ID)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--run", type=int, help="resume this run here instead of queuing")
        parser.add_argument(
            "--here", action="store_true", help="work in this process instead of a task"
        )
        parser.add_argument("--processes", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        run_id = options["run"]
        if run_id is None:
            run = services.start_rescreen(actor=None, trigger=Trigger.MANUAL, note="command")
            run_id = run.pk
            self.stdout.write(f"Run {run_id} queued for {run.total} customers.")
            if not options["here"]:
                return
        while not services.continue_run(run_id, budget_seconds=60, processes=options["processes"]):
            run = ScreeningRun.objects.get(pk=run_id)
            self.stdout.write(
                f"  {run.processed}/{run.total} ({run.percent}%), {run.new_hits} new hits"
            )
        run = ScreeningRun.objects.get(pk=run_id)
        state = "done" if run.status == RunStatus.DONE else run.get_status_display()
        self.stdout.write(
            f"Run {run_id} {state}: {run.processed} screened, {run.new_hits} new hits."
        )
