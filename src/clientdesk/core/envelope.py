"""Envelope encryption of stored files: one random data key per file, the file sealed in
AES-256-GCM chunks, the data key wrapped with the field-encryption key ring.

Format (version 1; integers big-endian)::

    header = MAGIC (b"CDENC" + version 1, 6 bytes) | chunk size (4) | nonce prefix (8)
    chunk  = AES-256-GCM(data key, nonce = prefix | counter (4),
                         plaintext piece, associated data = header | last flag (1))

Invariants:
- Every chunk but the last holds exactly ``chunk size`` plaintext bytes; the last holds
  0..chunk size bytes and is sealed with last flag 1. An empty file is one empty last chunk.
  So a flipped byte fails the chunk's tag, a truncated file ends on a chunk sealed as "not
  last" (or in the middle of one), bytes appended after the last chunk are refused, and
  chunks cannot be reordered (the counter is in the nonce).
- The data key never touches the disk in clear: it is wrapped (a Fernet token) with the
  *first* key of ``FIELD_ENCRYPTION_KEYS`` and stored with that key's id in the file's
  database row. Rotating the master key re-wraps those 140-character tokens; the files
  themselves are never rewritten.
- Reading and writing hold at most two chunks (plus the caller's read size) in memory,
  whatever the file's size.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import struct
from base64 import urlsafe_b64decode
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed

__all__ = [
    "CHUNK_SIZE",
    "MAGIC",
    "DecryptingReader",
    "EncryptingReader",
    "FileIntegrityError",
    "FileKeyUnavailable",
    "WrappedKey",
    "current_key_id",
    "is_encrypted_prefix",
    "key_ids",
    "new_data_key",
    "read_full",
    "rewrap",
    "unwrap",
]

MAGIC = b"CDENC\x01"
CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
_HEADER = struct.Struct(">6sI8s")
HEADER_SIZE = _HEADER.size  # 18
_MIN_CHUNK, _MAX_CHUNK = 4 * 1024, 16 * 1024 * 1024
_MAX_CHUNKS = 2**32


class FileIntegrityError(ValueError):
    """The stored bytes are not a complete, untouched encrypted file for this key."""


class FileKeyUnavailable(ImproperlyConfigured):
    """The key that wrapped a file's data key is no longer in FIELD_ENCRYPTION_KEYS."""


# --- the key ring ---------------------------------------------------------------------------


def _key_id(key: str) -> str:
    """A public name for a ring key: HMAC of a fixed label under the key (reveals nothing)."""
    raw = urlsafe_b64decode(key.encode())
    return hmac.new(raw, b"clientdesk file key id", hashlib.sha256).hexdigest()[:16]


@lru_cache(maxsize=1)
def _ring() -> tuple[tuple[str, Fernet], ...]:
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must hold at least one Fernet key.")
    return tuple((_key_id(key), Fernet(key)) for key in keys)


def _reset_cache(*, setting: str, **kwargs: Any) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        _ring.cache_clear()


setting_changed.connect(_reset_cache)


def current_key_id() -> str:
    return _ring()[0][0]


def key_ids() -> list[str]:
    """The ids of the ring's keys, newest (the one that wraps) first."""
    return [key_id for key_id, _ in _ring()]


@dataclass(frozen=True)
class WrappedKey:
    token: str  # Fernet token of the 32-byte data key
    key_id: str  # id of the ring key that made the token


def new_data_key() -> tuple[bytes, WrappedKey]:
    """A fresh random AES-256 key and its wrapping by the ring's newest key."""
    key = AESGCM.generate_key(bit_length=256)
    key_id, fernet = _ring()[0]
    return key, WrappedKey(fernet.encrypt(key).decode(), key_id)


def unwrap(wrapped: WrappedKey) -> bytes:
    """The data key; :class:`FileKeyUnavailable` when its ring key was removed too early."""
    fernet = dict(_ring()).get(wrapped.key_id)
    if fernet is None:
        raise FileKeyUnavailable(
            f"The file's key was wrapped with ring key {wrapped.key_id}, which is no longer in "
            "FIELD_ENCRYPTION_KEYS: run rotate_field_keys before removing a key."
        )
    try:
        return fernet.decrypt(wrapped.token.encode())
    except InvalidToken as exc:
        raise FileIntegrityError("The file's wrapped key does not open with its ring key.") from exc


def rewrap(wrapped: WrappedKey) -> WrappedKey | None:
    """The same data key wrapped with the newest ring key (None when it already is)."""
    if wrapped.key_id == current_key_id():
        return None
    key_id, fernet = _ring()[0]
    return WrappedKey(fernet.encrypt(unwrap(wrapped)).decode(), key_id)


def is_encrypted_prefix(head: bytes) -> bool:
    return head[: len(MAGIC)] == MAGIC


# --- streams ---------------------------------------------------------------------------------


def _nonce(prefix: bytes, counter: int) -> bytes:
    if counter >= _MAX_CHUNKS:
        raise FileIntegrityError("The file has more chunks than the format allows.")
    return prefix + counter.to_bytes(4, "big")


def read_full(source: IO[bytes], size: int) -> bytes:
    """Exactly ``size`` bytes, or fewer only at the end of the stream (short reads retried)."""
    parts, missing = [], size
    while missing > 0:
        part = source.read(min(missing, 1 << 20))
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


class SourceStream(io.RawIOBase):
    """A readable, non-seekable stream over ``source``; closing it closes the source."""

    def __init__(self, source: IO[bytes]) -> None:
        super().__init__()
        self._source = source

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            try:
                self._source.close()
            finally:
                super().close()


class _ChunkStream(SourceStream):
    """Serves ``_next_chunk()`` results in order."""

    def __init__(self, source: IO[bytes]) -> None:
        super().__init__(source)
        self._out = memoryview(b"")
        self._done = False

    def _next_chunk(self) -> bytes | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fill(self) -> None:
        while not self._out and not self._done:
            chunk = self._next_chunk()
            if chunk is None:
                self._done = True
            else:
                self._out = memoryview(chunk)

    def readinto(self, buffer: Any) -> int:
        self._fill()
        size = min(len(buffer), len(self._out))
        buffer[:size] = self._out[:size]
        self._out = self._out[size:]
        return size

    def read(self, size: int | None = -1) -> bytes:
        """At most ``size`` bytes of the current chunk (no ``size``-long buffer allocated)."""
        if size is None or size < 0:
            return self.readall()
        self._fill()
        piece = bytes(self._out[:size])
        self._out = self._out[size:]
        return piece

    def readall(self) -> bytes:
        parts = []
        while piece := self.read(CHUNK_SIZE + TAG_SIZE):
            parts.append(piece)
        return b"".join(parts)


class EncryptingReader(_ChunkStream):
    """Reads plaintext from ``source`` and serves the encrypted file, chunk by chunk."""

    def __init__(self, source: IO[bytes], key: bytes, *, chunk_size: int = CHUNK_SIZE) -> None:
        super().__init__(source)
        self._aead, self._chunk_size = AESGCM(key), chunk_size
        self._prefix = os.urandom(8)
        self._header = _HEADER.pack(MAGIC, chunk_size, self._prefix)
        self._counter = -1  # -1: the header is next
        self._ahead = read_full(source, chunk_size)
        self._finished = False

    def _next_chunk(self) -> bytes | None:
        if self._counter < 0:
            self._counter = 0
            return self._header
        if self._finished:
            return None
        piece = self._ahead
        self._ahead = read_full(self._source, self._chunk_size) if piece else b""
        last = not self._ahead
        self._finished = last
        sealed = self._aead.encrypt(
            _nonce(self._prefix, self._counter),
            piece,
            self._header + (b"\x01" if last else b"\x00"),
        )
        self._counter += 1
        return sealed


class DecryptingReader(_ChunkStream):
    """Reads an encrypted file from ``source`` and serves the plaintext, chunk by chunk.

    The header and the first chunk are read and checked at construction, so a wrong key or
    a damaged start fails before a caller (a download response) has sent anything.
    """

    def __init__(self, source: IO[bytes], key: bytes) -> None:
        super().__init__(source)
        head = read_full(source, HEADER_SIZE)
        if len(head) < HEADER_SIZE or not is_encrypted_prefix(head):
            source.close()
            raise FileIntegrityError("The stored file is not an encrypted file (no header).")
        _, chunk_size, self._prefix = _HEADER.unpack(head)
        if not _MIN_CHUNK <= chunk_size <= _MAX_CHUNK:
            source.close()
            raise FileIntegrityError("The stored file's header is damaged (chunk size).")
        self._aead, self._header = AESGCM(key), head
        self._sealed_size = chunk_size + TAG_SIZE
        self._counter = 0
        self._ahead = read_full(source, self._sealed_size)
        self._finished = False
        try:
            self._out = memoryview(self._decrypt_next())
        except FileIntegrityError:
            source.close()
            raise

    def _decrypt_next(self) -> bytes:
        sealed = self._ahead
        self._ahead = read_full(self._source, self._sealed_size)
        last = not self._ahead
        if len(sealed) < TAG_SIZE or (not last and len(sealed) != self._sealed_size):
            raise FileIntegrityError("The stored file is truncated.")
        aad = self._header + (b"\x01" if last else b"\x00")
        try:
            plain = self._aead.decrypt(_nonce(self._prefix, self._counter), sealed, aad)
        except InvalidTag as exc:
            raise FileIntegrityError(
                "The stored file is damaged, truncated or was altered "
                f"(chunk {self._counter} fails its authentication tag)."
            ) from exc
        self._counter += 1
        self._finished = last
        return plain

    def _next_chunk(self) -> bytes | None:
        return None if self._finished else self._decrypt_next()
