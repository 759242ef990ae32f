"""Streamed authenticated encryption of backup archives (AES-256-GCM in chunks).

The archive is never held in memory: it is cut into 1 MiB chunks, each sealed on its own.
The construction is the STREAM scheme (Hoang, Reyhanitabar, Rogaway, Vizár 2015), the one
``age`` and Tink's streaming AEAD use:

- a random 16-byte salt per archive derives the archive key from ``BACKUP_ENCRYPTION_KEY``
  with HKDF-SHA256, so no two archives share a key and nonces never repeat;
- chunk nonce = 7-byte random prefix | 4-byte chunk counter | 1-byte "last chunk" flag, so a
  reordered, dropped, duplicated or truncated chunk fails authentication;
- the header (magic, version, salt, prefix, key id) is the associated data of every chunk,
  so it cannot be changed either.

File layout: ``HEADER`` then, per chunk, a 4-byte big-endian ciphertext length and the
ciphertext (plaintext + 16-byte tag). The key id (8 bytes of an HMAC of the key) only lets
``restore`` say "made with another key" instead of "tampered"; it reveals nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"CDBACKUP"
VERSION = 1
CHUNK = 1024 * 1024
_HEADER = struct.Struct(">8sB16s7s8s")  # magic, version, salt, nonce prefix, key id
_LEN = struct.Struct(">I")
TAG = 16


class BackupCryptoError(Exception):
    """The archive is not a ClientDesk backup, was made with another key, or was altered."""


def key_id(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"clientdesk-backup-key-id", hashlib.sha256).digest()[:8]


def _derive(secret: str, salt: bytes) -> AESGCM:
    if not secret:
        raise BackupCryptoError("BACKUP_ENCRYPTION_KEY is empty.")
    material = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"clientdesk-backup-v1"
    ).derive(secret.encode())
    return AESGCM(material)


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


class EncryptingWriter:
    """A write-only file object: what is written is sealed chunk by chunk into ``sink``.

    ``close()`` seals the final chunk (possibly empty) with the "last" flag; an archive
    without it is refused as truncated.
    """

    def __init__(self, sink: BinaryIO, secret: str) -> None:
        salt, prefix = os.urandom(16), os.urandom(7)
        self._aead = _derive(secret, salt)
        self._header = _HEADER.pack(MAGIC, VERSION, salt, prefix, key_id(secret))
        self._prefix, self._sink = prefix, sink
        self._buffer = bytearray()
        self._counter = 0
        self.closed = False
        sink.write(self._header)

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, plain: bytes, *, last: bool) -> None:
        if self._counter >= 2**32 - 1:
            raise BackupCryptoError("Archive too large for one stream (4 PiB).")
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), plain, self._header)
        self._sink.write(_LEN.pack(len(sealed)) + sealed)
        self._counter += 1

    def flush(self) -> None:
        self._sink.flush()

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self.closed = True
            self._sink.flush()


class DecryptingReader:
    """A read-only file object over an archive; raises ``BackupCryptoError`` on any change."""

    def __init__(self, source: BinaryIO, secret: str) -> None:
        header = source.read(_HEADER.size)
        if len(header) < _HEADER.size or not header.startswith(MAGIC):
            raise BackupCryptoError("This file is not a ClientDesk backup archive.")
        _magic, version, salt, prefix, kid = _HEADER.unpack(header)
        if version != VERSION:
            raise BackupCryptoError(f"Unsupported backup format version {version}.")
        if not hmac.compare_digest(kid, key_id(secret)):
            raise BackupCryptoError(
                "This archive was encrypted with a different BACKUP_ENCRYPTION_KEY."
            )
        self._aead, self._header, self._prefix = _derive(secret, salt), header, prefix
        self._source = source
        self._buffer = b""
        self._counter = 0
        self._done = False

    def _next_chunk(self) -> bytes:
        raw_len = self._source.read(_LEN.size)
        if len(raw_len) < _LEN.size:
            raise BackupCryptoError("The archive is truncated (its last chunk is missing).")
        (length,) = _LEN.unpack(raw_len)
        if length < TAG or length > CHUNK + TAG:
            raise BackupCryptoError("The archive is damaged (bad chunk length).")
        sealed = self._source.read(length)
        if len(sealed) < length:
            raise BackupCryptoError("The archive is truncated.")
        for last in (False, True):
            try:
                plain = self._aead.decrypt(
                    _nonce(self._prefix, self._counter, last), sealed, self._header
                )
            except InvalidTag:
                continue
            self._counter += 1
            if last:
                self._done = True
                if self._source.read(1):
                    raise BackupCryptoError("The archive has data after its last chunk.")
            return plain
        raise BackupCryptoError(
            f"The archive was altered or damaged (chunk {self._counter} fails authentication)."
        )

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            self._buffer += self._next_chunk()
        if size < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

    def readable(self) -> bool:
        return True
