from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clientdesk.core.audit import verify


class Command(BaseCommand):
    help = "Walk the hash-chained audit trail and report the first tampered or missing record."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: {result.checked} records verified"))
            return
        raise CommandError(
            f"TAMPERED: {result.problem} ({result.checked} records verified before it)"
        )
