from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from clientdesk.core import audit
from clientdesk.core.crypto import encrypted_fields, rotate
from clientdesk.core.stored_files import rotate_file_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field, and re-wrap the data key of every encrypted stored "
        "file, with the first key of FIELD_ENCRYPTION_KEYS, so the older keys can then be "
        "removed from the setting."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if fields:
                count = self._rotate_model(model, fields, options["batch"])
                self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted")
                total += count
        files = rotate_file_keys(batch=options["batch"], progress=self.stdout.write)
        with transaction.atomic():
            audit.record(
                actor=None,
                action="key_rotation",
                target=audit.Target("core.fieldkeys", "", "field encryption keys"),
                changes={"rows": total, "file_keys": files},
            )
        self.stdout.write(
            self.style.SUCCESS(f"Done: {total} rows re-encrypted, {files} file keys re-wrapped.")
        )

    def _rotate_model(self, model: Any, fields: list[str], batch: int) -> int:
        """Read raw tokens (no decryption in Python objects), rotate, write back by pk."""
        table, count = model._meta.db_table, 0
        base = model._default_manager.order_by("pk")
        last_pk = None
        while True:
            page = base.filter(pk__gt=last_pk) if last_pk is not None else base
            pks = list(page.values_list("pk", flat=True)[:batch])
            if not pks:
                return count
            with transaction.atomic():
                self._rotate_rows(model, table, fields, pks)
            count += len(pks)
            last_pk = pks[-1]

    def _rotate_rows(self, model: Any, table: str, fields: list[str], pks: list[Any]) -> None:
        from django.db import connection

        qn = connection.ops.quote_name
        cols = ", ".join(qn(f) for f in fields)
        marks = ", ".join(["%s"] * len(pks))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {qn('id')}, {cols} FROM {qn(table)} WHERE id IN ({marks})", pks)  # noqa: S608
            rows = cursor.fetchall()
            sets = ", ".join(f"{qn(f)} = %s" for f in fields)
            for pk, *tokens in rows:
                new = [rotate(t) if t else t for t in tokens]
                cursor.execute(f"UPDATE {qn(table)} SET {sets} WHERE id = %s", [*new, pk])  # noqa: S608
