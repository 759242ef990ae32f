from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from clientdesk.core.schedule import registered, run_due
from clientdesk.ops.heartbeat import beat


class Command(BaseCommand):
    help = "Enqueue the periodic tasks that are due (cron it every minute, or use --loop)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", action="store_true", help="Keep running.")
        parser.add_argument("--interval", type=int, default=30, help="Seconds between checks.")

    def handle(self, *args: Any, **options: Any) -> None:
        names = ", ".join(p.name for p in registered()) or "none"
        self.stdout.write(f"Periodic tasks: {names}")
        while True:
            for name in run_due():
                self.stdout.write(f"enqueued {name}")
            beat("scheduler")  # read by /readyz (clientdesk.ops)
            if not options["loop"]:
                return
            time.sleep(options["interval"])
