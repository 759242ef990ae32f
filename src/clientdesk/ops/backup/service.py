"""Backup, restore and verification of the whole installation: database and media files.

One archive = an encrypted tar stream (see ``crypto``) of
``database.pgdump`` (PostgreSQL custom format) or ``database.sqlite3``, then ``media/<name>``
for every stored file, copied byte for byte as the storage holds them, then
``manifest.json``: row counts per table, the audit chain head, SHA-256 of every member and
the tool versions. No key of any kind is written: field-encryption, hash, secret and backup
keys stay in the environment, so restoring needs the same keys (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connections
from django.db.utils import load_backend
from django.utils import timezone

from clientdesk.core import audit

from . import engines, retention
from .crypto import CHUNK, DecryptingReader, EncryptingWriter
from .engines import BackupError, Progress
from .targets import FolderTarget, Target, configured_target

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media/"
DB_MEMBERS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


class RestoreRefused(BackupError):
    """The destination database or storage is not empty."""


def _quiet(_: str) -> None:
    return None


# ----------------------------------------------------------------------------- helpers


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


class _HashingReader:
    """Reads through ``source`` and hashes what passes (tarfile reads members through it)."""

    def __init__(self, source: Any) -> None:
        self.source, self.digest = source, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        return data


class _Meter:
    """Counts bytes written to the archive and reports every 128 MiB."""

    STEP = 128 * 1024 * 1024

    def __init__(self, sink: EncryptingWriter, progress: Progress) -> None:
        self.sink, self.progress, self.written, self._next = sink, progress, 0, self.STEP

    def write(self, data: bytes) -> int:
        self.sink.write(data)
        self.written += len(data)
        if self.written >= self._next:
            self.progress(f"  {self.written / 2**20:,.0f} MiB archived")
            self._next += self.STEP
        return len(data)


def media_files(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in ``storage`` (recursively); nothing for a missing local folder."""
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(dirs):
        yield from media_files(storage, f"{folder}/{sub}" if folder else sub)


def _secret() -> str:
    return str(settings.BACKUP_ENCRYPTION_KEY)


@contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="clientdesk-backup-", dir=settings.BACKUP_TMP_DIR) as d:
        yield Path(d)


# ----------------------------------------------------------------------------- backup


@dataclass
class BackupResult:
    name: str
    size: int
    seconds: float
    manifest: dict[str, Any]
    where: str


def create_backup(
    *,
    alias: str = "default",
    storage: Storage | None = None,
    target: Target | None = None,
    now: dt.datetime | None = None,
    progress: Progress = _quiet,
) -> BackupResult:
    """Write one encrypted archive of the database and the media files to ``target``."""
    started = time.monotonic()
    storage = storage or default_storage
    target = target or configured_target()
    now = now or timezone.now()
    name = retention.archive_name(now)
    engine = engines.vendor(alias)
    with _workdir() as work:
        dump = work / DB_MEMBERS[engine]
        if engine == "postgresql":
            facts = engines.dump_postgres(alias, dump, progress)
        else:
            facts = engines.dump_sqlite(alias, dump, progress)
        manifest = _manifest_start(now, engine, dump, facts)
        archive = work / name
        with open(archive, "wb") as sink:
            writer = EncryptingWriter(sink, _secret())
            meter = _Meter(writer, progress)
            with tarfile.open(fileobj=meter, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                tar.add(dump, arcname=dump.name)
                manifest["media"] = _add_media(tar, storage, progress)
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1).encode(), now)
            writer.close()
        size = archive.stat().st_size
        progress(f"archive {name}: {size / 2**20:,.1f} MiB; storing in {target.describe()}")
        target.put(archive, name)
    seconds = time.monotonic() - started
    progress(f"backup done in {seconds:,.1f} s")
    return BackupResult(name, size, seconds, manifest, target.describe())


def _manifest_start(now: dt.datetime, engine: str, dump: Path, facts: dict) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "application": "clientdesk",
        "created_at": now.astimezone(dt.UTC).isoformat(),
        "engine": engine,
        "database": {
            "member": dump.name,
            "bytes": dump.stat().st_size,
            "sha256": sha256_file(dump),
            "tool": facts["tool"],
        },
        "tables": facts["tables"],
        "audit_head": facts["audit_head"],
    }


def _add_media(tar: tarfile.TarFile, storage: Storage, progress: Progress) -> dict[str, Any]:
    sums: dict[str, str] = {}
    total = 0
    for name in media_files(storage):
        size = storage.size(name)
        info = tarfile.TarInfo(MEDIA + name)
        info.size, info.mode = size, 0o600
        with storage.open(name, "rb") as f:
            reader = _HashingReader(f)
            tar.addfile(info, reader)  # type: ignore[arg-type]
        sums[name] = reader.digest.hexdigest()
        total += size
    progress(f"media: {len(sums):,} files, {total / 2**20:,.1f} MiB")
    return {"files": len(sums), "bytes": total, "sha256": sums}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, now: dt.datetime) -> None:
    import io

    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(now.timestamp())
    tar.addfile(info, io.BytesIO(data))


# ----------------------------------------------------------------------------- reading


@dataclass
class Extracted:
    folder: Path
    manifest: dict[str, Any]
    media: dict[str, Path] = field(default_factory=dict)

    @property
    def database(self) -> Path:
        return self.folder / self.manifest["database"]["member"]


def _safe_member(member: tarfile.TarInfo) -> str:
    name = member.name
    parts = Path(name).parts
    if not member.isfile() or name.startswith("/") or ".." in parts or not parts:
        raise BackupError(f"The archive holds an unexpected entry ({name!r}); refused.")
    return name


def extract(archive: Path, dest: Path, progress: Progress = _quiet) -> Extracted:
    """Decrypt, authenticate and unpack ``archive`` into ``dest``; check every checksum.

    Any altered byte fails (``BackupCryptoError``) before anything is restored."""
    sums: dict[str, str] = {}
    with open(archive, "rb") as raw:
        reader = DecryptingReader(raw, _secret())
        with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
            for member in tar:
                name = _safe_member(member)
                out = dest / name
                out.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                digest = hashlib.sha256()
                with open(out, "wb") as f:
                    while block := source.read(CHUNK):
                        digest.update(block)
                        f.write(block)
                sums[name] = digest.hexdigest()
        while reader.read(CHUNK):  # the rest must authenticate too, up to the last chunk
            pass
    progress(f"archive decrypted and authenticated: {len(sums):,} members")
    return _checked(dest, sums)


def _checked(dest: Path, sums: dict[str, str]) -> Extracted:
    if MANIFEST not in sums:
        raise BackupError("The archive has no manifest; refused.")
    manifest = json.loads((dest / MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unsupported manifest format {manifest.get('format')!r}.")
    db = manifest["database"]
    if sums.get(db["member"]) != db["sha256"]:
        raise BackupError("The database dump does not match its checksum in the manifest.")
    expected = {MEDIA + n: s for n, s in manifest["media"]["sha256"].items()}
    found = {n: s for n, s in sums.items() if n.startswith(MEDIA)}
    if expected != found:
        bad = sorted(set(expected.items()) ^ set(found.items()))[:3]
        raise BackupError(f"Media files do not match the manifest (e.g. {bad[0][0]}).")
    media = {n[len(MEDIA) :]: dest / n for n in found}
    return Extracted(dest, manifest, media)


def _local(archive: str | Path, target: Target, work: Path, progress: Progress) -> Path:
    path = Path(archive)
    if path.is_file():
        return path
    if isinstance(target, FolderTarget) and (target.folder / str(archive)).is_file():
        return target.folder / str(archive)  # read in place, no copy
    if str(archive) not in target.names():
        raise BackupError(f"No archive {archive} in {target.describe()} (and no such file).")
    progress(f"fetching {archive} from {target.describe()}")
    local = work / "fetched.cdbak"
    target.fetch(str(archive), local)
    return local


def latest(target: Target | None = None) -> str:
    target = target or configured_target()
    names = [n for n in target.names() if retention.stamp_of(n)]
    if not names:
        raise BackupError(f"No archive in {target.describe()}.")
    return max(names, key=lambda n: retention.stamp_of(n))  # type: ignore[arg-type,return-value]


# ----------------------------------------------------------------------------- restore


@dataclass
class CheckReport:
    tables: int
    rows: int
    audit_records: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def refuse_non_empty(alias: str, storage: Storage | None) -> None:
    tables = engines.table_names(alias)
    if tables:
        name = connections[alias].settings_dict["NAME"]
        raise RestoreRefused(
            f"Refusing to restore: database {name} is not empty ({len(tables)} tables, e.g. "
            f"{', '.join(tables[:3])}). Restore only writes into an empty database: create a "
            "new one (createdb, or a new SQLite file path in DATABASE_URL) and point "
            "DATABASE_URL at it."
        )
    if storage is not None and next(media_files(storage), None) is not None:
        raise RestoreRefused(
            "Refusing to restore: the file storage already holds files. Point MEDIA_ROOT "
            "(or S3_BUCKET) at an empty location."
        )


def restore_archive(
    archive: str | Path,
    *,
    alias: str = "default",
    storage: Storage | None = None,
    target: Target | None = None,
    progress: Progress = _quiet,
) -> CheckReport:
    """Restore into an empty database and storage, then check counts and the audit chain."""
    storage = storage or default_storage
    target = target or configured_target()
    with _workdir() as work:
        extracted = extract(_local(archive, target, work, progress), work / "x", progress)
        _same_engine(extracted.manifest, alias)
        refuse_non_empty(alias, storage)
        _restore_database(extracted, alias, progress)
        for name, path in sorted(extracted.media.items()):
            with open(path, "rb") as f:
                saved = storage.save(name, File(f, name=name))
            if saved != name:
                raise BackupError(f"Storage saved {name} as {saved}; restore stopped.")
        progress(f"media: {len(extracted.media):,} files restored")
    report = check_restored(extracted.manifest, alias)
    _report(report, progress)
    return report


def _same_engine(manifest: dict[str, Any], alias: str) -> None:
    if manifest["engine"] != engines.vendor(alias):
        raise BackupError(
            f"This is a {manifest['engine']} archive; the database is "
            f"{engines.vendor(alias)}. Restore into the same engine."
        )


def _restore_database(extracted: Extracted, alias: str, progress: Progress) -> None:
    if extracted.manifest["engine"] == "postgresql":
        engines.restore_postgres(alias, extracted.database, progress)
    else:
        engines.restore_sqlite(alias, extracted.database, progress)


def check_restored(manifest: dict[str, Any], alias: str) -> CheckReport:
    """Row counts against the manifest, and the audit chain walked and matched to its head."""
    expected: dict[str, int] = manifest["tables"]
    found = engines.count_rows(alias, sorted(expected))
    problems = [
        f"{table}: {found[table]:,} rows, the backup had {count:,}"
        for table, count in expected.items()
        if found[table] != count
    ]
    result = audit.verify(using=alias)
    head = manifest["audit_head"]
    if not result.ok:
        problems.append(f"audit chain: {result.problem}")
    elif result.checked != head["seq"]:
        problems.append(f"audit chain: {result.checked} records, the backup had {head['seq']}")
    else:
        last = audit.AuditChainHead.objects.using(alias).filter(pk=1).first()
        if head["seq"] and (last is None or last.hash != head["hash"]):
            problems.append("audit chain: head hash differs from the backup's")
    return CheckReport(len(expected), sum(found.values()), result.checked, problems)


def _report(report: CheckReport, progress: Progress) -> None:
    progress(
        f"checked {report.tables} tables, {report.rows:,} rows; "
        f"audit chain: {report.audit_records:,} records verified"
    )
    for problem in report.problems:
        progress(f"PROBLEM: {problem}")


# ----------------------------------------------------------------------------- verify


@contextmanager
def database_alias(settings_dict: dict[str, Any]) -> Iterator[str]:
    """A temporary connection to another database (a restore target or a scratch copy),
    usable as ``Model.objects.using(alias)``; not added to settings.DATABASES."""
    alias = f"backup_{uuid.uuid4().hex[:12]}"
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        wrapper.close()
        del connections[alias]


@contextmanager
def _scratch(alias: str, work: Path, progress: Progress) -> Iterator[str]:
    base = dict(connections[alias].settings_dict)
    if engines.vendor(alias) == "postgresql":
        with engines.scratch_postgres(alias, progress) as scratch, database_alias(scratch) as a:
            yield a
    else:
        path = work / "scratch.sqlite3"
        sqlite3.connect(path).close()
        with database_alias({**base, "NAME": str(path)}) as a:
            yield a


def verify_backup(
    archive: str | Path | None = None,
    *,
    alias: str = "default",
    target: Target | None = None,
    progress: Progress = _quiet,
) -> CheckReport:
    """Restore the database part into a scratch database, then compare and walk the chain."""
    target = target or configured_target()
    archive = archive or latest(target)
    progress(f"verifying {archive}")
    with _workdir() as work:
        extracted = extract(_local(archive, target, work, progress), work / "x", progress)
        progress(f"media: {len(extracted.media):,} files match their checksums")
        _same_engine(extracted.manifest, alias)
        with _scratch(alias, work, progress) as scratch:
            _restore_database(extracted, scratch, progress)
            report = check_restored(extracted.manifest, scratch)
    _report(report, progress)
    return report


# ----------------------------------------------------------------------------- retention


def prune(
    target: Target | None = None, *, keep: str | None = None, progress: Progress = _quiet
) -> list[str]:
    """Delete archives outside the retention policy (``BACKUP_KEEP_*``); never ``keep``."""
    target = target or configured_target()
    names = target.names()
    doomed = retention.to_delete(
        names,
        daily=settings.BACKUP_KEEP_DAILY,
        weekly=settings.BACKUP_KEEP_WEEKLY,
        monthly=settings.BACKUP_KEEP_MONTHLY,
    )
    for name in doomed:
        if name != keep:
            target.delete(name)
            progress(f"pruned {name}")
    return [n for n in doomed if n != keep]
