from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clientdesk.ops.backup.engines import BackupError
from clientdesk.ops.backup.service import create_backup, prune
from clientdesk.ops.backup.targets import FolderTarget, Target, configured_target


class Command(BaseCommand):
    help = (
        "Write one encrypted archive of the database and the media files to the backup "
        "folder or bucket (BACKUP_STORAGE); --prune applies the retention policy after."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--to", help="A folder to write to instead of BACKUP_STORAGE.")
        parser.add_argument("--prune", action="store_true", help="Apply BACKUP_KEEP_* after.")
        parser.add_argument("--list", action="store_true", help="List the archives and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        target: Target = FolderTarget(options["to"]) if options["to"] else configured_target()
        if options["list"]:
            for name in target.names():
                self.stdout.write(name)
            return
        try:
            result = create_backup(target=target, progress=self.stdout.write)
            if options["prune"]:
                prune(target, keep=result.name, progress=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"OK: {result.name} ({result.size / 2**20:,.1f} MiB) in {result.where}, "
                f"{result.seconds:,.1f} s"
            )
        )
