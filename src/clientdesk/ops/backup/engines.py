"""Database dump and restore, per engine.

PostgreSQL: ``pg_dump --format=custom`` under an exported snapshot, so the row counts and
the audit chain head written into the manifest describe exactly the rows in the dump.
SQLite: the online backup API (``sqlite3.Connection.backup``), a consistent copy taken while
the application keeps running; counts are read from the copy.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connections

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup, restore or verification could not be completed; the message says why."""


def vendor(alias: str) -> str:
    return connections[alias].vendor


# ----------------------------------------------------------------------------- PostgreSQL


def pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq environment for pg_dump / pg_restore; the password never goes on a command line."""
    env = dict(os.environ)
    options = settings_dict.get("OPTIONS") or {}
    for var, value in (
        ("PGHOST", settings_dict.get("HOST")),
        ("PGPORT", settings_dict.get("PORT")),
        ("PGUSER", settings_dict.get("USER")),
        ("PGPASSWORD", settings_dict.get("PASSWORD")),
        ("PGDATABASE", settings_dict.get("NAME")),
        ("PGSSLMODE", options.get("sslmode")),
    ):
        if value:
            env[var] = str(value)
    return env


def _pg_connect(settings_dict: dict[str, Any], dbname: str | None = None) -> Any:
    import psycopg

    options = settings_dict.get("OPTIONS") or {}
    params: dict[str, Any] = {
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "dbname": dbname or settings_dict["NAME"],
        "sslmode": options.get("sslmode"),
    }
    return psycopg.connect(**{k: v for k, v in params.items() if v})


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return found


def _major(version_text: str) -> int:
    """15 from "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    match = re.search(r"\)\s*(\d+)", version_text)
    return int(match[1]) if match else 0


def pg_tool_version(name: str) -> str:
    out = subprocess.run(  # noqa: S603 - fixed argument list
        [_tool(name), "--version"], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def _check_versions(server_version_num: int) -> str:
    tool = pg_tool_version("pg_dump")
    if _major(tool) < server_version_num // 10000:
        raise BackupError(
            f"{tool} is older than the server (PostgreSQL {server_version_num // 10000}); "
            "install the postgresql-client of the server's major version."
        )
    return tool


def _user_tables(cursor: Any, sql: str) -> list[str]:
    cursor.execute(sql)
    return sorted(row[0] for row in cursor.fetchall())


_PG_TABLES = (
    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
    "AND tablename NOT LIKE 'pg_%'"
)
_SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"


def _counts_and_head(cursor: Any, tables: list[str], quote: Callable[[str], str]) -> dict:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - names from the catalogue
        counts[table] = cursor.fetchone()[0]
    head = {"seq": 0, "hash": "0" * 64}
    if "core_auditchainhead" in tables:
        cursor.execute("SELECT seq, hash FROM core_auditchainhead WHERE id = 1")
        row = cursor.fetchone()
        if row:
            head = {"seq": int(row[0]), "hash": row[1]}
    return {"tables": counts, "audit_head": head}


def _pg_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def dump_postgres(alias: str, dest: Path, progress: Progress) -> dict[str, Any]:
    """pg_dump into ``dest``; counts and chain head from the same snapshot."""
    settings_dict = connections[alias].settings_dict
    with _pg_connect(settings_dict) as conn:
        conn.autocommit = True
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        row = conn.execute(
            "SELECT pg_export_snapshot(), current_setting('server_version_num')::int"
        ).fetchone()
        snapshot, server_num = row[0], row[1]
        tool = _check_versions(server_num)
        progress(f"dumping PostgreSQL database {settings_dict['NAME']} ({tool})")
        proc = subprocess.Popen(  # noqa: S603 - fixed argument list
            [_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--no-password",
             "--compress=6", f"--file={dest}"],
            env=pg_env(settings_dict), stderr=subprocess.PIPE,
        )  # fmt: skip
        with conn.cursor() as cursor:
            facts = _counts_and_head(cursor, _user_tables(cursor, _PG_TABLES), _pg_quote)
        _, err = proc.communicate()
        conn.execute("COMMIT")
    if proc.returncode != 0:
        raise BackupError(f"pg_dump failed: {err.decode(errors='replace').strip()}")
    return {**facts, "tool": tool, "server_version_num": server_num}


def restore_postgres(alias: str, dump: Path, progress: Progress) -> None:
    """pg_restore in one transaction: all or nothing."""
    settings_dict = connections[alias].settings_dict
    progress(f"pg_restore into {settings_dict['NAME']}")
    proc = subprocess.run(  # noqa: S603 - fixed argument list
        [_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction", "--no-password", f"--dbname={settings_dict['NAME']}", str(dump)],
        env=pg_env(settings_dict), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise BackupError(f"pg_restore failed: {proc.stderr.strip()}")


@contextmanager
def scratch_postgres(alias: str, progress: Progress) -> Iterator[dict[str, Any]]:
    """A new, empty database on the same server, dropped afterwards."""
    settings_dict = dict(connections[alias].settings_dict)
    name = f"{settings_dict['NAME']}_verify_{os.urandom(4).hex()}"[:63]
    with _pg_connect(settings_dict) as conn:
        conn.autocommit = True
        conn.execute(f"CREATE DATABASE {_pg_quote(name)}")
    progress(f"scratch database {name} created")
    try:
        yield {**settings_dict, "NAME": name}
    finally:
        with _pg_connect(settings_dict) as conn:
            conn.autocommit = True
            conn.execute(f"DROP DATABASE IF EXISTS {_pg_quote(name)} WITH (FORCE)")
        progress(f"scratch database {name} dropped")


# ----------------------------------------------------------------------------- SQLite


def dump_sqlite(alias: str, dest: Path, progress: Progress) -> dict[str, Any]:
    connection = connections[alias]
    connection.ensure_connection()
    progress(f"copying SQLite database {connection.settings_dict['NAME']} (online backup API)")
    target = sqlite3.connect(dest)
    try:
        connection.connection.backup(target, pages=4096)
        cursor = target.cursor()
        facts = _counts_and_head(cursor, _user_tables(cursor, _SQLITE_TABLES), _pg_quote)
    finally:
        target.close()
    return {**facts, "tool": f"sqlite3 {sqlite3.sqlite_version}"}


def restore_sqlite(alias: str, copy: Path, progress: Progress) -> None:
    connection = connections[alias]
    connection.close()
    name = str(connection.settings_dict["NAME"])
    progress(f"copying into SQLite database {name}")
    source, target = sqlite3.connect(copy), sqlite3.connect(name)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


# ----------------------------------------------------------------------------- both


def table_names(alias: str) -> list[str]:
    with connections[alias].cursor() as cursor:
        return _user_tables(cursor, _PG_TABLES if vendor(alias) == "postgresql" else _SQLITE_TABLES)


def count_rows(alias: str, tables: list[str]) -> dict[str, int]:
    with connections[alias].cursor() as cursor:
        return _counts_and_head(cursor, tables, _pg_quote)["tables"]
