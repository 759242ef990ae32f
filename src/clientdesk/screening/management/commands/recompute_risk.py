from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from clientdesk.screening import services


class Command(BaseCommand):
    help = "Recompute every customer's risk profile (after changing the RISK_* settings)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="only these customer ids")

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.recompute_all(reason="recomputed by command", ids=options["ids"] or None)
        self.stdout.write(f"Recomputed {count} risk profiles.")
