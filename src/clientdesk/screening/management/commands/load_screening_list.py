from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from clientdesk.screening import services
from clientdesk.screening.loaders import ListFormatError
from clientdesk.screening.models import ListCategory, ListFormat


class Command(BaseCommand):
    help = (
        "Load a sanctions or PEP list as a new version and re-screen every customer when it "
        "changed. OFAC: a folder with sdn.csv (or cons_prim.csv) and its alt/add/comments "
        "files; UN: consolidated.xml; in-house/PEP: a CSV with id,name,aliases,type,"
        "date_of_birth,nationality,program,remarks."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("source", help="list key, e.g. ofac_sdn, ofac_cons, un, pep, inhouse")
        parser.add_argument("path", help="file (UN, CSV) or folder (OFAC)")
        parser.add_argument("--name", default="", help="display name (first load)")
        parser.add_argument("--category", choices=ListCategory.values, default="")
        parser.add_argument("--format", dest="file_format", choices=ListFormat.values, default="")
        parser.add_argument(
            "--no-rescreen", action="store_true", help="store the version without re-screening"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = services.load_list_version(
                actor=None,
                source=options["source"],
                path=options["path"],
                name=options["name"],
                category=options["category"],
                file_format=options["file_format"],
                rescreen=not options["no_rescreen"],
            )
        except (ListFormatError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        version, summary = result.version, result.loaded.version
        if not result.created:
            self.stdout.write(
                f"{version}: unchanged ({version.entry_count} entries); nothing to do."
            )
            return
        self.stdout.write(
            f"Loaded {version}: {version.entry_count} entries ({version.alias_count} aliases), "
            f"{version.added_count} added, {version.changed_count} changed, "
            f"{version.removed_count} removed; {summary.orphans.summary()}."
        )
        for problem in summary.problems[:20]:
            self.stderr.write(f"  note: {problem}")
        if not options["no_rescreen"]:
            self.stdout.write("Re-screening of every customer queued.")
