from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clientdesk.core import audit, envelope
from clientdesk.core.stored_files import encrypt_stored_files, key_status


class Command(BaseCommand):
    help = (
        "Encrypt the stored files (KYC documents, ticket attachments) kept before encryption "
        "at rest. Idempotent and resumable: run it again after an interruption. --status only "
        "counts the files per wrapping key."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=200)
        parser.add_argument(
            "--status", action="store_true", help="Only show how the files are stored."
        )
        parser.add_argument(
            "--no-sweep",
            action="store_true",
            help="Skip looking for plaintext originals left by an interrupted run.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["status"]:
            self._status()
            return
        report = encrypt_stored_files(
            batch=options["batch"], sweep=not options["no_sweep"], progress=self.stdout.write
        )
        with transaction.atomic():
            audit.record(
                actor=None,
                action="update",
                target=audit.Target("core.storedfiles", "", "stored files encrypted at rest"),
                changes={
                    "encrypted": report.encrypted,
                    "leftovers_removed": report.leftovers_removed,
                    "problems": len(report.problems),
                },
            )
        for problem in report.problems:
            self.stderr.write(problem)
        summary = (
            f"Done: {report.encrypted} files encrypted, "
            f"{report.leftovers_removed} plaintext leftovers removed."
        )
        if report.problems:
            raise CommandError(f"{summary} {len(report.problems)} files left as they were.")
        self.stdout.write(self.style.SUCCESS(summary))

    def _status(self) -> None:
        ring = envelope.key_ids()
        for label, key_id, count in key_status():
            if key_id == "plaintext":
                state = "not encrypted yet (run encrypt_stored_files)"
            elif key_id == ring[0]:
                state = "newest key"
            elif key_id in ring:
                state = "older key (run rotate_field_keys before removing it)"
            else:
                state = "KEY NOT IN FIELD_ENCRYPTION_KEYS: these files cannot be opened"
            self.stdout.write(f"{label}: {count:,} files, key {key_id}: {state}")
