"""Fixtures of the operations tests: a private media folder, a backup folder, and an empty
database to restore into (a new PostgreSQL database cd_opsback_restore_*, or a new SQLite
file), registered under a temporary connection alias."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import connections

from clientdesk.ops.backup import engines
from clientdesk.ops.backup.service import database_alias
from clientdesk.ops.backup.targets import FolderTarget


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> FileSystemStorage:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return FileSystemStorage(location=tmp_path / "media")


@pytest.fixture
def backups(tmp_path: Path) -> FolderTarget:
    return FolderTarget(tmp_path / "backups")


def is_postgres() -> bool:
    return connections["default"].vendor == "postgresql"


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A connection alias to a new, empty database of the engine under test."""
    base = dict(connections["default"].settings_dict)
    if not is_postgres():
        with database_alias({**base, "NAME": str(tmp_path / "restored.sqlite3")}) as alias:
            yield alias
        return
    name = f"cd_opsback_restore_{os.urandom(4).hex()}"
    with engines._pg_connect(base) as conn:
        conn.autocommit = True
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with database_alias({**base, "NAME": name}) as alias:
            yield alias
    finally:
        with engines._pg_connect(base) as conn:
            conn.autocommit = True
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def audit_rows_removable(transactional_db: None) -> Iterator[None]:
    """Let the flush after a transactional test empty the append-only audit table (as in
    tests/browser/conftest.py): SQLite's flush is a DELETE, which the trigger aborts."""
    yield
    import importlib

    connection = connections["default"]
    if connection.vendor != "sqlite":
        return
    migration = importlib.import_module("clientdesk.core.migrations.0002_audit_append_only")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_delete")
        cursor.execute("DELETE FROM core_auditevent")
        cursor.execute(next(sql for sql in migration.SQLITE if "no_delete" in sql))
