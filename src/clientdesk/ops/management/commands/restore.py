from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clientdesk.ops.backup.crypto import BackupCryptoError
from clientdesk.ops.backup.engines import BackupError
from clientdesk.ops.backup.service import restore_archive
from clientdesk.ops.backup.targets import FolderTarget, Target, configured_target


class Command(BaseCommand):
    help = (
        "Restore an archive (a file path, or a name in BACKUP_STORAGE) into an EMPTY database "
        "and file storage; refuses a non-empty one. Then checks row counts and the audit chain."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", help="Path of an archive, or its name in the storage.")
        parser.add_argument("--from", dest="source", help="A folder to read archives from.")

    def handle(self, *args: Any, **options: Any) -> None:
        target: Target = (
            FolderTarget(options["source"]) if options["source"] else configured_target()
        )
        try:
            report = restore_archive(options["archive"], target=target, progress=self.stdout.write)
        except (BackupError, BackupCryptoError) as exc:
            raise CommandError(str(exc)) from exc
        if not report.ok:
            raise CommandError("Restored, but the checks found problems (above).")
        self.stdout.write(self.style.SUCCESS("OK: restored and checked."))
