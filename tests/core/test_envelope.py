"""The envelope format: round trips at chunk edges, every kind of tampering refused, key
wrapping and rotation in the ring, and streaming in bounded memory (a 50 MB file)."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from clientdesk.core import envelope
from clientdesk.core.envelope import (
    CHUNK_SIZE,
    HEADER_SIZE,
    MAGIC,
    TAG_SIZE,
    DecryptingReader,
    EncryptingReader,
    FileIntegrityError,
    FileKeyUnavailable,
)

SEALED = CHUNK_SIZE + TAG_SIZE


def encrypt(data: bytes, key: bytes) -> bytes:
    return EncryptingReader(io.BytesIO(data), key).read()


def decrypt(blob: bytes, key: bytes) -> bytes:
    return DecryptingReader(io.BytesIO(blob), key).read()


@pytest.fixture
def key() -> bytes:
    return os.urandom(32)


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 3 * CHUNK_SIZE + 17],
)
def test_round_trip_at_chunk_edges(key: bytes, size: int) -> None:
    data = os.urandom(size)
    blob = encrypt(data, key)
    chunks = max(1, -(-size // CHUNK_SIZE))
    assert blob.startswith(MAGIC)
    assert len(blob) == HEADER_SIZE + size + chunks * TAG_SIZE
    assert decrypt(blob, key) == data


def test_small_reads_and_a_read_of_everything_agree(key: bytes) -> None:
    data = os.urandom(3 * CHUNK_SIZE + 5)
    reader = DecryptingReader(io.BytesIO(encrypt(data, key)), key)
    pieces = []
    while piece := reader.read(1000):
        assert len(piece) <= 1000
        pieces.append(piece)
    assert b"".join(pieces) == data


def test_same_plaintext_never_gives_the_same_bytes(key: bytes) -> None:
    data = b"A" * 100
    assert encrypt(data, key) != encrypt(data, key)  # random nonce prefix per file
    assert data not in encrypt(data, key)


def _flip(blob: bytes, at: int) -> bytes:
    return blob[:at] + bytes([blob[at] ^ 0x01]) + blob[at + 1 :]


@pytest.mark.parametrize(
    "where",
    [
        0,  # magic
        8,  # chunk size
        12,  # nonce prefix
        HEADER_SIZE,  # first chunk
        HEADER_SIZE + SEALED - 1,  # first chunk's tag
        HEADER_SIZE + SEALED + 10,  # second chunk
        -1,  # last chunk's tag
    ],
)
def test_a_flipped_byte_anywhere_is_refused(key: bytes, where: int) -> None:
    blob = encrypt(os.urandom(2 * CHUNK_SIZE + 100), key)
    with pytest.raises(FileIntegrityError):
        decrypt(_flip(blob, where % len(blob)), key)


@pytest.mark.parametrize(
    "keep",
    [
        0,
        HEADER_SIZE - 1,
        HEADER_SIZE,  # header only
        HEADER_SIZE + 10,  # inside the first chunk
        HEADER_SIZE + SEALED,  # exactly at a chunk boundary: the last chunk removed
        HEADER_SIZE + 2 * SEALED,
        -1,  # one byte short
    ],
)
def test_a_truncated_file_is_refused(key: bytes, keep: int) -> None:
    blob = encrypt(os.urandom(2 * CHUNK_SIZE + 100), key)
    with pytest.raises(FileIntegrityError):
        decrypt(blob[:keep], key)


def test_truncation_at_a_boundary_of_an_exact_multiple_is_refused(key: bytes) -> None:
    blob = encrypt(os.urandom(2 * CHUNK_SIZE), key)
    assert len(blob) == HEADER_SIZE + 2 * SEALED
    with pytest.raises(FileIntegrityError):
        decrypt(blob[: HEADER_SIZE + SEALED], key)


def test_appended_bytes_and_swapped_chunks_are_refused(key: bytes) -> None:
    blob = encrypt(os.urandom(2 * CHUNK_SIZE + 100), key)
    with pytest.raises(FileIntegrityError):
        decrypt(blob + b"x", key)
    with pytest.raises(FileIntegrityError):
        decrypt(blob + blob[HEADER_SIZE:], key)
    first = blob[HEADER_SIZE : HEADER_SIZE + SEALED]
    second = blob[HEADER_SIZE + SEALED : HEADER_SIZE + 2 * SEALED]
    swapped = blob[:HEADER_SIZE] + second + first + blob[HEADER_SIZE + 2 * SEALED :]
    with pytest.raises(FileIntegrityError):
        decrypt(swapped, key)


def test_a_wrong_key_or_plaintext_fails_before_anything_is_served(key: bytes) -> None:
    blob = encrypt(b"secret", key)
    with pytest.raises(FileIntegrityError, match="authentication"):
        DecryptingReader(io.BytesIO(blob), os.urandom(32))  # at open, not at first read
    with pytest.raises(FileIntegrityError, match="not an encrypted file"):
        DecryptingReader(io.BytesIO(b"%PDF-1.7 plain"), key)


def test_closing_a_reader_closes_its_source(key: bytes) -> None:
    source = io.BytesIO(encrypt(b"x", key))
    with DecryptingReader(source, key):
        pass
    assert source.closed


# --- the key ring ----------------------------------------------------------------------------


def test_data_key_wrapped_with_the_newest_ring_key(settings: Any) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    data_key, wrapped = envelope.new_data_key()
    old_id = envelope.current_key_id()
    assert wrapped.key_id == old_id and len(data_key) == 32
    assert data_key not in wrapped.token.encode()

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert envelope.unwrap(wrapped) == data_key  # old key still in the ring
    rewrapped = envelope.rewrap(wrapped)
    assert rewrapped is not None and rewrapped.key_id == envelope.current_key_id() != old_id
    assert envelope.rewrap(rewrapped) is None  # already on the newest key

    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert envelope.unwrap(rewrapped) == data_key
    with pytest.raises(FileKeyUnavailable, match=old_id):
        envelope.unwrap(wrapped)


def test_a_forged_wrapped_key_is_refused(settings: Any) -> None:
    _, wrapped = envelope.new_data_key()
    forged = envelope.WrappedKey(wrapped.token[:-4] + "AAAA", wrapped.key_id)
    with pytest.raises(FileIntegrityError):
        envelope.unwrap(forged)


# --- bounded memory -------------------------------------------------------------------------

BIG = 50 * 1024 * 1024


class Generated(io.RawIOBase):
    """``size`` pseudo-random bytes made on the fly (never whole in memory), hashed."""

    def __init__(self, size: int) -> None:
        self.left, self.digest, self._block = size, hashlib.sha256(), os.urandom(CHUNK_SIZE + 7)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), self.left, len(self._block))
        data = self._block[:size]
        self._block = self._block[size:] + self._block[:size]  # rotate: no repeating chunks
        buffer[:size] = data
        self.digest.update(data)
        self.left -= size
        return size


def test_50_mb_encrypt_and_decrypt_stream_in_bounded_memory(key: bytes, tmp_path: Path) -> None:
    source, target = Generated(BIG), tmp_path / "big.enc"
    tracemalloc.start()
    try:
        with target.open("wb") as out:
            shutil.copyfileobj(EncryptingReader(source, key), out, CHUNK_SIZE)
        _, encrypt_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest = hashlib.sha256()
        with DecryptingReader(target.open("rb"), key) as reader:
            while chunk := reader.read(CHUNK_SIZE):
                digest.update(chunk)
        _, decrypt_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert target.stat().st_size == HEADER_SIZE + BIG + (BIG // CHUNK_SIZE) * TAG_SIZE
    assert digest.hexdigest() == source.digest.hexdigest()
    # a handful of 64 KiB chunks, not the file: 50 MB would show as 50 MB here
    assert encrypt_peak < 2 * 1024 * 1024, encrypt_peak
    assert decrypt_peak < 2 * 1024 * 1024, decrypt_peak
