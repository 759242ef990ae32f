from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clientdesk.ops.backup.crypto import BackupCryptoError
from clientdesk.ops.backup.engines import BackupError
from clientdesk.ops.backup.service import verify_backup
from clientdesk.ops.backup.targets import FolderTarget, Target, configured_target


class Command(BaseCommand):
    help = (
        "Restore an archive (default: the newest) into a scratch database, compare its row "
        "counts with the manifest and verify the audit chain; exits non-zero on any problem."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", nargs="?", help="Path or name (default: the newest).")
        parser.add_argument("--from", dest="source", help="A folder to read archives from.")

    def handle(self, *args: Any, **options: Any) -> None:
        target: Target = (
            FolderTarget(options["source"]) if options["source"] else configured_target()
        )
        try:
            report = verify_backup(options["archive"], target=target, progress=self.stdout.write)
        except (BackupError, BackupCryptoError) as exc:
            raise CommandError(f"FAILED: {exc}") from exc
        if not report.ok:
            raise CommandError("FAILED: " + "; ".join(report.problems))
        self.stdout.write(self.style.SUCCESS("OK: the archive restores and its checks pass."))
