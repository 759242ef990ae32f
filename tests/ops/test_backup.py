"""Backup, restore and verify_backup: a real round trip on the engine under test (run the
suite with DATABASE_URL=postgres://... for PostgreSQL: pg_dump / pg_restore), tampering,
keys never in the archive, and the retention policy with a fake clock."""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from factories import SAMPLE_PAN, make_customer

from clientdesk.core import audit
from clientdesk.core.models import AuditChainHead, AuditEvent, Counter
from clientdesk.customers.models import Customer
from clientdesk.ops.backup import crypto, engines, retention
from clientdesk.ops.backup.service import (
    RestoreRefused,
    create_backup,
    extract,
    prune,
    restore_archive,
    verify_backup,
)
from clientdesk.ops.backup.targets import FolderTarget

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("audit_rows_removable"),
]

KYC_BYTES = b"%PDF-1.4 scanned passport \x00\x01\x02" * 100


@pytest.fixture
def data(admin_user: Any, media: FileSystemStorage) -> dict[str, Any]:
    """Customers (with their audit records), a KYC-like file and a nested attachment."""
    customers = [make_customer(actor=admin_user) for _ in range(3)]
    audit.record(actor=admin_user, action="note", target=customers[0], changes={"n": 1})
    media.save("kyc/1/3f2a.pdf", ContentFile(KYC_BYTES))
    media.save("tickets/2026/12/note.txt", ContentFile(b"attachment"))
    return {"customers": customers, "audit": AuditEvent.objects.count()}


def decrypted(archive: Path) -> bytes:
    with open(archive, "rb") as f:
        return crypto.DecryptingReader(f, settings.BACKUP_ENCRYPTION_KEY).read()


def test_round_trip_into_an_empty_database_and_storage(
    data: dict[str, Any],
    media: FileSystemStorage,
    backups: FolderTarget,
    empty_database: str,
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    result = create_backup(storage=media, target=backups, progress=lines.append)
    assert backups.names() == [result.name]
    manifest = result.manifest
    assert manifest["engine"] == connections["default"].vendor
    assert manifest["tables"]["customers_customer"] == 3
    assert manifest["audit_head"]["seq"] == data["audit"] > 3
    assert set(manifest["media"]["sha256"]) == {"kyc/1/3f2a.pdf", "tickets/2026/12/note.txt"}
    assert any(line.startswith("media: 2 files") for line in lines)

    restored_media = FileSystemStorage(location=tmp_path / "restored-media")
    report = restore_archive(
        result.name, alias=empty_database, storage=restored_media, target=backups
    )

    assert report.ok, report.problems
    assert report.audit_records == data["audit"]
    assert Customer.objects.using(empty_database).count() == 3
    names = set(Customer.objects.using(empty_database).values_list("client_id", flat=True))
    assert names == {c.client_id for c in data["customers"]}
    assert audit.verify(using=empty_database).checked == data["audit"]
    head = AuditChainHead.objects.using(empty_database).get(pk=1)
    assert head.hash == AuditChainHead.objects.get(pk=1).hash
    assert restored_media.open("kyc/1/3f2a.pdf").read() == KYC_BYTES
    assert restored_media.open("tickets/2026/12/note.txt").read() == b"attachment"


def test_the_restored_database_keeps_working(
    data: dict[str, Any],
    media: FileSystemStorage,
    backups: FolderTarget,
    empty_database: str,
    tmp_path: Path,
    admin_user: Any,
) -> None:
    """Sequences and triggers come back too: a new audit record chains on, and the
    append-only trigger still refuses an update."""
    result = create_backup(storage=media, target=backups)
    restored = FileSystemStorage(tmp_path / "m2")
    restore_archive(result.name, alias=empty_database, storage=restored, target=backups)
    # Sequences came back: a new row gets the next id, not one already taken.
    assert Counter.objects.using(empty_database).exists()
    Counter.objects.using(empty_database).create(name="after-restore")
    with (
        connections[empty_database].cursor() as cursor,
        pytest.raises(Exception, match="append-only"),
    ):
        cursor.execute("UPDATE core_auditevent SET action = 'x' WHERE seq = 1")
    newest = Customer.objects.using(empty_database).order_by("-pk").first()
    assert newest is not None and newest.pk == data["customers"][-1].pk


def test_the_archive_is_encrypted_and_holds_no_key(
    data: dict[str, Any], media: FileSystemStorage, backups: FolderTarget
) -> None:
    result = create_backup(storage=media, target=backups)
    archive = backups.folder / result.name
    raw = archive.read_bytes()
    plain = decrypted(archive)
    assert raw.startswith(crypto.MAGIC)
    for clear in (b"SQLite format 3", b"PGDMP", KYC_BYTES[:40], b"customers_customer"):
        assert clear not in raw
    assert KYC_BYTES in plain  # the file, byte for byte, inside the decrypted tar
    secrets = [
        settings.SECRET_KEY,
        settings.FIELD_HASH_KEY,
        settings.BACKUP_ENCRYPTION_KEY,
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    for secret in secrets:
        assert secret.encode() not in plain
        assert secret.encode() not in raw
    # The sensitive identifiers are in the dump only as ciphertext (field encryption).
    assert SAMPLE_PAN.encode() not in plain


def _rewrite(archive: Path, change: Any) -> None:
    """Decrypt, let ``change(members)`` edit the members, encrypt again with the real key:
    what an insider holding the key could do. The checks after the restore must catch it."""
    members: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(decrypted(archive)), mode="r") as tar:
        for m in tar.getmembers():
            members[m.name] = tar.extractfile(m).read()  # type: ignore[union-attr]
    change(members)
    with open(archive, "wb") as sink:
        writer = crypto.EncryptingWriter(sink, settings.BACKUP_ENCRYPTION_KEY)
        with tarfile.open(fileobj=writer, mode="w|") as tar:  # type: ignore[call-overload]
            for name, body in members.items():
                info = tarfile.TarInfo(name)
                info.size = len(body)
                tar.addfile(info, io.BytesIO(body))
        writer.close()


@pytest.mark.parametrize("damage", ["flip", "truncate", "append", "header"])
def test_a_tampered_archive_is_refused_before_anything_is_written(
    damage: str,
    data: dict[str, Any],
    media: FileSystemStorage,
    backups: FolderTarget,
    empty_database: str,
    tmp_path: Path,
) -> None:
    result = create_backup(storage=media, target=backups)
    archive = backups.folder / result.name
    raw = bytearray(archive.read_bytes())
    if damage == "flip":
        raw[len(raw) // 2] ^= 0x01
    elif damage == "truncate":
        raw = raw[: len(raw) - 200]
    elif damage == "append":
        raw += raw[-200:]
    else:
        raw[20] ^= 0x01  # the salt: part of every chunk's associated data
    archive.write_bytes(bytes(raw))
    restored_media = FileSystemStorage(location=tmp_path / "restored-media")
    with pytest.raises(crypto.BackupCryptoError):
        restore_archive(result.name, alias=empty_database, storage=restored_media, target=backups)
    assert engines.table_names(empty_database) == []
    assert not (tmp_path / "restored-media").exists()
    with pytest.raises(CommandError, match="FAILED"):
        call_command("verify_backup", result.name, "--from", str(backups.folder))


def test_an_archive_made_with_another_key_is_named_as_such(
    data: dict[str, Any], media: FileSystemStorage, backups: FolderTarget, settings: Any
) -> None:
    result = create_backup(storage=media, target=backups)
    settings.BACKUP_ENCRYPTION_KEY = "another key entirely, 32+ characters long"
    with pytest.raises(crypto.BackupCryptoError, match="different BACKUP_ENCRYPTION_KEY"):
        verify_backup(result.name, target=backups)


def test_restore_refuses_a_database_that_is_not_empty(
    data: dict[str, Any], media: FileSystemStorage, backups: FolderTarget, tmp_path: Path
) -> None:
    result = create_backup(storage=media, target=backups)
    before = Customer.objects.count()
    with pytest.raises(RestoreRefused, match=r"is not empty \(\d+ tables"):
        restore_archive(result.name, storage=FileSystemStorage(tmp_path / "x"), target=backups)
    assert Customer.objects.count() == before
    with pytest.raises(CommandError, match="Refusing to restore: database"):
        call_command("restore", result.name, "--from", str(backups.folder))


def test_restore_refuses_storage_that_is_not_empty(
    data: dict[str, Any], media: FileSystemStorage, backups: FolderTarget, empty_database: str
) -> None:
    result = create_backup(storage=media, target=backups)
    with pytest.raises(RestoreRefused, match="file storage already holds files"):
        restore_archive(result.name, alias=empty_database, storage=media, target=backups)
    assert engines.table_names(empty_database) == []


def test_verify_backup_passes_and_finds_wrong_counts(
    data: dict[str, Any], media: FileSystemStorage, backups: FolderTarget
) -> None:
    create_backup(storage=media, target=backups)
    out = io.StringIO()
    call_command("verify_backup", "--from", str(backups.folder), stdout=out)
    assert "OK: the archive restores" in out.getvalue()
    assert f"{data['audit']} records verified" in out.getvalue()

    name = backups.names()[0]

    def lie(members: dict[str, bytes]) -> None:
        manifest = json.loads(members["manifest.json"])
        manifest["tables"]["customers_customer"] = 4
        members["manifest.json"] = json.dumps(manifest).encode()

    _rewrite(backups.folder / name, lie)
    report = verify_backup(name, target=backups)
    assert report.problems == ["customers_customer: 3 rows, the backup had 4"]


def test_verify_backup_finds_a_broken_audit_chain(
    data: dict[str, Any], media: FileSystemStorage, backups: FolderTarget, tmp_path: Path
) -> None:
    """SQLite only: the dump is a plain database file this test can alter (drop the
    append-only trigger, change a record, repack)."""
    if connections["default"].vendor != "sqlite":
        pytest.skip("alters the SQLite copy inside the archive")
    import sqlite3

    name = create_backup(storage=media, target=backups).name

    def alter(members: dict[str, bytes]) -> None:
        path = tmp_path / "copy.sqlite3"
        path.write_bytes(members["database.sqlite3"])
        with sqlite3.connect(path) as db:
            db.execute("DROP TRIGGER core_auditevent_no_update")
            db.execute("UPDATE core_auditevent SET object_repr = 'someone else' WHERE seq = 2")
        members["database.sqlite3"] = path.read_bytes()
        manifest = json.loads(members["manifest.json"])
        manifest["database"]["sha256"] = __import__("hashlib").sha256(path.read_bytes()).hexdigest()
        members["manifest.json"] = json.dumps(manifest).encode()

    _rewrite(backups.folder / name, alter)
    report = verify_backup(name, target=backups)
    assert report.problems == ["audit chain: record #2 was altered"]


def test_a_member_that_differs_from_the_manifest_is_refused(
    data: dict[str, Any], media: FileSystemStorage, backups: FolderTarget, tmp_path: Path
) -> None:
    name = create_backup(storage=media, target=backups).name

    def swap(members: dict[str, bytes]) -> None:
        members["media/kyc/1/3f2a.pdf"] = b"another document"

    _rewrite(backups.folder / name, swap)
    with pytest.raises(engines.BackupError, match="Media files do not match"):
        extract(backups.folder / name, tmp_path / "x")


def test_backup_command_prints_progress_and_lists(
    data: dict[str, Any], media: FileSystemStorage, tmp_path: Path
) -> None:
    out = io.StringIO()
    call_command("backup", "--to", str(tmp_path / "b"), "--prune", stdout=out)
    text = out.getvalue()
    assert "media: 2 files" in text
    assert "OK: clientdesk-backup-" in text
    out = io.StringIO()
    call_command("backup", "--to", str(tmp_path / "b"), "--list", stdout=out)
    assert out.getvalue().startswith("clientdesk-backup-")


def test_scheduled_task_backs_up_and_prunes(
    data: dict[str, Any], media: FileSystemStorage, settings: Any, tmp_path: Path
) -> None:
    from clientdesk.ops.tasks import scheduled_backup

    settings.BACKUP_STORAGE, settings.BACKUP_DIR = "folder", tmp_path / "scheduled"
    old = retention.archive_name(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    (tmp_path / "scheduled").mkdir()
    for day in range(1, 9):
        (tmp_path / "scheduled" / old.replace("0101", f"01{day:02}")).write_bytes(b"x")
    value = scheduled_backup.call()
    kept = FolderTarget(tmp_path / "scheduled").names()
    assert value["name"] in kept
    # 9 archives, all in the last 12 months' buckets? No: 8 in Jan 2020 share one month and
    # one or two weeks; the policy keeps 7 days, so one day of 2020 goes.
    assert len(value["pruned"]) == 2 and len(kept) == 7


# ----------------------------------------------------------------------------- retention


class FakeTarget:
    def __init__(self) -> None:
        self.stored: set[str] = set()

    def describe(self) -> str:
        return "memory"

    def names(self) -> list[str]:
        return sorted(self.stored)

    def delete(self, name: str) -> None:
        self.stored.discard(name)


@pytest.mark.django_db(transaction=False)
def test_retention_keeps_7_daily_4_weekly_12_monthly_with_a_fake_clock(settings: Any) -> None:
    """A backup every day at 01:30 for 500 days, pruned after each, as the scheduler would."""
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, settings.BACKUP_KEEP_MONTHLY = 7, 4, 12
    target = FakeTarget()
    target.stored.add("notes.txt")  # not an archive: never touched
    clock = dt.datetime(2025, 3, 1, 1, 30, tzinfo=dt.UTC)
    for _ in range(500):
        name = retention.archive_name(clock)
        target.stored.add(name)
        prune(target, keep=name)  # type: ignore[arg-type]
        clock += dt.timedelta(days=1)
    last = clock - dt.timedelta(days=1)
    days = [last - dt.timedelta(days=n) for n in range(500)]
    expected = {d.date() for d in days[:7]}
    weeks: dict[tuple[int, int], dt.date] = {}
    months: dict[tuple[int, int], dt.date] = {}
    for d in days:  # newest first: the first seen in a bucket is its newest
        weeks.setdefault(tuple(d.isocalendar()[:2]), d.date())  # type: ignore[arg-type]
        months.setdefault((d.year, d.month), d.date())
    expected |= set(list(weeks.values())[:4]) | set(list(months.values())[:12])
    kept = {retention.stamp_of(n).date() for n in target.names() if retention.stamp_of(n)}  # type: ignore[union-attr]
    assert kept == expected
    assert "notes.txt" in target.stored
    assert 12 <= len(kept) <= 7 + 4 + 12


@pytest.mark.django_db(transaction=False)
def test_retention_keeps_the_newest_of_a_day_and_the_newest_overall() -> None:
    base = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    names = [retention.archive_name(base + dt.timedelta(hours=h)) for h in (1, 5, 9)]
    assert retention.to_delete(names, daily=1, weekly=0, monthly=0) == names[:2]
    assert retention.to_delete(names, daily=0, weekly=0, monthly=0) == names[:2]
