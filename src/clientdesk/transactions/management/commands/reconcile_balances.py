from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clientdesk.transactions.reconcile import reconcile


class Command(BaseCommand):
    help = (
        "Prove that every account balance equals the sum of its ledger entries (and, unless "
        "--accounts-only, that each customer's transaction count and volume equal their "
        "successful transactions), and that every transaction's customer, account, merchant "
        "and device and every ledger entry's transaction exist and belong together (unless "
        "--skip-references). Exits non-zero on any mismatch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--accounts-only", action="store_true")
        parser.add_argument(
            "--skip-references", action="store_true", help="Do not check the references."
        )
        parser.add_argument("--limit", type=int, default=50, help="Mismatches to print.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        found = reconcile(
            customers=not options["accounts_only"], references=not options["skip_references"]
        )
        took = time.perf_counter() - started
        for mismatch in found[: options["limit"]]:
            self.stderr.write(str(mismatch))
        if found:
            raise CommandError(f"MISMATCH: {len(found)} record(s) do not reconcile ({took:.1f} s)")
        what = "" if options["skip_references"] else " and every reference holds"
        self.stdout.write(self.style.SUCCESS(f"OK: every balance reconciles{what} ({took:.1f} s)"))
