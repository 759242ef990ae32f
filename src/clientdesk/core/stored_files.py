"""Files kept in the default storage, encrypted at rest (KYC documents, ticket attachments).

A model whose rows point at a stored file inherits :class:`EncryptedFileMixin` and keeps
the storage name in a ``file`` field. Its services save bytes with :func:`save_encrypted`
and read them with :func:`open_stored`; nothing else touches the storage.

Invariants:
- A row with ``file_key`` holds an encrypted file (``clientdesk.core.envelope``); a row
  without one is a file stored before encryption at rest, read as it is until
  ``manage.py encrypt_stored_files`` has encrypted it. Each state refuses the other's bytes:
  an encrypted row whose file has no header, or a key-less row whose file has one, is an
  integrity error, never served.
- ``file_key_id`` names the ring key that wrapped ``file_key``; ``rotate_file_keys``
  re-wraps every key not made by the newest one (the files are not rewritten).
- New files are named ``<dir>/<random>.enc``; a file encrypted by the migration keeps its
  old name plus ``.enc``, so a plaintext original left by an interrupted run can be found.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.apps import apps
from django.core.files.base import File
from django.core.files.storage import Storage, default_storage
from django.db import models, transaction

from . import envelope
from .envelope import FileIntegrityError, SourceStream, WrappedKey

__all__ = [
    "EncryptedFileMixin",
    "FileIntegrityError",
    "encrypt_row",
    "encrypted_file_models",
    "open_stored",
    "rotate_file_keys",
    "save_encrypted",
]

SUFFIX = ".enc"


class EncryptedFileMixin(models.Model):
    """The wrapped data key of the row's stored file (empty: stored before encryption)."""

    file_key = models.CharField(
        max_length=200, blank=True, default="", editable=False,
        help_text="The file's AES-256 data key wrapped with the key ring (Fernet token).",
    )  # fmt: skip
    file_key_id = models.CharField(
        max_length=16, blank=True, default="", editable=False,
        help_text="Id of the FIELD_ENCRYPTION_KEYS key that wrapped file_key.",
    )  # fmt: skip

    class Meta:
        abstract = True

    @property
    def wrapped_key(self) -> WrappedKey | None:
        return WrappedKey(self.file_key, self.file_key_id) if self.file_key else None


def encrypted_file_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if issubclass(m, EncryptedFileMixin)]


# --- writing and reading -------------------------------------------------------------------


def save_encrypted(
    name: str, source: IO[bytes], *, storage: Storage | None = None
) -> tuple[str, WrappedKey]:
    """Encrypt ``source`` (read chunk by chunk) into the storage under ``name`` (or a free
    variant of it); the stored name and the wrapped key to keep on the row."""
    storage = storage or default_storage
    key, wrapped = envelope.new_data_key()
    stream = envelope.EncryptingReader(source, key)
    stored = storage.save(name, File(stream, name=name))  # type: ignore[arg-type]
    return stored, wrapped


def _raw_stream(name: str, storage: Storage) -> IO[bytes]:
    """The stored bytes as a stream. django-storages' S3File downloads the whole object
    before the first read, so for S3 the object's streaming body is read instead."""
    handle = storage.open(name, "rb")
    obj = getattr(handle, "obj", None)
    if obj is not None and callable(getattr(obj, "get", None)):
        handle.close()
        return obj.get()["Body"]  # type: ignore[no-any-return]
    return handle  # type: ignore[return-value]


class _Prefixed(SourceStream):
    """``head`` (already read) followed by the rest of ``source``."""

    def __init__(self, head: bytes, source: IO[bytes]) -> None:
        super().__init__(source)
        self._head = memoryview(head)

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def open_stored(row: Any, *, storage: Storage | None = None) -> IO[bytes]:
    """The plaintext of ``row.file`` as a stream (decrypted chunk by chunk). Close it."""
    storage = storage or default_storage
    wrapped = row.wrapped_key
    if wrapped is not None:
        key = envelope.unwrap(wrapped)
        return envelope.DecryptingReader(_raw_stream(row.file, storage), key)  # type: ignore[return-value]
    source = _raw_stream(row.file, storage)
    head = envelope.read_full(source, len(envelope.MAGIC))
    if envelope.is_encrypted_prefix(head):
        source.close()
        raise FileIntegrityError("The stored file is encrypted but its row holds no key.")
    return _Prefixed(head, source)  # type: ignore[return-value]


def read_stored(row: Any, *, storage: Storage | None = None, limit: int | None = None) -> bytes:
    """The whole plaintext (for the checks that need bytes); at most ``limit`` + 1 bytes."""
    with open_stored(row, storage=storage) as handle:
        return bytes(handle.read() if limit is None else envelope.read_full(handle, limit + 1))


# --- rotation ------------------------------------------------------------------------------


Progress = Callable[[str], None]


def _batches(queryset: Any, batch: int) -> Iterator[list[Any]]:
    last_pk = None
    while True:
        page = queryset.filter(pk__gt=last_pk) if last_pk is not None else queryset
        rows = list(page.order_by("pk")[:batch])
        if not rows:
            return
        yield rows
        last_pk = rows[-1].pk


def rotate_file_keys(*, batch: int = 500, progress: Progress | None = None) -> int:
    """Re-wrap every file key not made by the newest ring key; the files stay as they are.

    Resumable and safe to run twice (rows already on the newest key are skipped; each row
    is updated only if nobody changed its key meanwhile).
    """
    total = 0
    current = envelope.current_key_id()
    for model in encrypted_file_models():
        stale = model._default_manager.exclude(file_key="").exclude(file_key_id=current)
        todo, done = stale.count(), 0
        for rows in _batches(stale.only("pk", "file_key", "file_key_id"), batch):
            with transaction.atomic():
                for row in rows:
                    new = envelope.rewrap(row.wrapped_key)
                    if new is None:
                        continue
                    done += model._default_manager.filter(pk=row.pk, file_key=row.file_key).update(
                        file_key=new.token, file_key_id=new.key_id
                    )
            if progress:
                progress(f"{model._meta.label}: {done:,}/{todo:,} file keys re-wrapped")
        total += done
    return total


# --- encrypting files stored before encryption at rest -------------------------------------


@dataclass
class MigrationReport:
    encrypted: int = 0
    leftovers_removed: int = 0
    problems: list[str] = field(default_factory=list)


class _Hashing(SourceStream):
    """Passes ``source`` through and hashes what was read."""

    def __init__(self, source: IO[bytes]) -> None:
        super().__init__(source)
        self.digest, self.size = hashlib.sha256(), 0

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        self.size += len(data)
        return len(data)


def _digest_of(row: Any, storage: Storage) -> str:
    digest = hashlib.sha256()
    with open_stored(row, storage=storage) as handle:
        while chunk := handle.read(envelope.CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


def encrypt_row(row: Any, *, storage: Storage | None = None) -> str | None:
    """Encrypt one key-less row's file: write ``<name>.enc``, check it decrypts to the
    recorded SHA-256, point the row at it, then delete the plaintext. A problem (None if
    all went well) leaves the row and its plaintext as they were."""
    storage = storage or default_storage
    model, plain = type(row), row.file
    target = plain + SUFFIX
    if storage.exists(target):  # written by an interrupted run, never committed
        storage.delete(target)
    try:
        source = _Hashing(open_stored(row, storage=storage))
    except (FileIntegrityError, FileNotFoundError) as exc:
        return f"{model._meta.label} {row.pk}: {exc}"
    with source:
        stored, wrapped = save_encrypted(target, source, storage=storage)  # type: ignore[arg-type]
    if source.digest.hexdigest() != row.sha256:
        storage.delete(stored)
        return f"{model._meta.label} {row.pk}: the stored bytes do not match the recorded SHA-256"
    check = model(pk=row.pk, file=stored, file_key=wrapped.token, file_key_id=wrapped.key_id)
    if _digest_of(check, storage) != row.sha256:
        storage.delete(stored)
        return f"{model._meta.label} {row.pk}: the encrypted copy did not read back the same"
    with transaction.atomic():
        updated = model._default_manager.filter(pk=row.pk, file=plain, file_key="").update(
            file=stored, file_key=wrapped.token, file_key_id=wrapped.key_id
        )
    if not updated:  # changed meanwhile (another run): keep theirs
        storage.delete(stored)
        return None
    storage.delete(plain)
    return None


def _sweep(model: type[models.Model], storage: Storage, batch: int) -> int:
    """Delete plaintext originals of migrated rows left by an interrupted run."""
    removed = 0
    migrated = model._default_manager.exclude(file_key="").filter(file__regex=r"\.[^./]+\.enc$")
    for rows in _batches(migrated.only("pk", "file"), batch):
        candidates = {r.file[: -len(SUFFIX)] for r in rows}
        candidates -= set(
            model._default_manager.filter(file__in=candidates).values_list("file", flat=True)
        )
        for name in sorted(candidates):
            if storage.exists(name):
                storage.delete(name)
                removed += 1
    return removed


def encrypt_stored_files(
    *,
    batch: int = 200,
    sweep: bool = True,
    storage: Storage | None = None,
    progress: Progress | None = None,
) -> MigrationReport:
    """Encrypt every file stored before encryption at rest (idempotent, resumable)."""
    storage = storage or default_storage
    report = MigrationReport()
    for model in encrypted_file_models():
        plain = model._default_manager.filter(file_key="")
        todo, done = plain.count(), 0
        for rows in _batches(plain.only("pk", "file", "sha256", "file_key", "file_key_id"), batch):
            for row in rows:
                problem = encrypt_row(row, storage=storage)
                if problem:
                    report.problems.append(problem)
                else:
                    done += 1
            if progress:
                progress(f"{model._meta.label}: {done:,}/{todo:,} files encrypted")
        report.encrypted += done
        if sweep:
            report.leftovers_removed += _sweep(model, storage, batch)
    return report


def key_status() -> list[tuple[str, str, int]]:
    """(model, key id or "plaintext", rows) for every stored-file model."""
    rows = []
    for model in encrypted_file_models():
        counts = model._default_manager.values_list("file_key_id").annotate(n=models.Count("pk"))
        for key_id, count in sorted(counts.order_by()):
            rows.append((model._meta.label, key_id or "plaintext", count))
    return rows
