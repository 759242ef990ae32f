#!/usr/bin/env python
"""Encryption at rest of stored files: throughput and peak memory.

    .venv/bin/python bench/file_encryption.py                 # 50 MB, 3 runs
    .venv/bin/python bench/file_encryption.py --mb 200 --runs 5 --json var/bench/fileenc.json

A file of N MB of random bytes (made on the fly, never whole in memory) is encrypted by
``clientdesk.core.envelope.EncryptingReader`` into a file on disk, then decrypted by
``DecryptingReader`` and hashed; the digest must equal the source's. Throughput runs without
tracing (tracemalloc slows allocation) and without the time spent making the source; the
round trip is checked by digest outside the timing. One further run under tracemalloc gives the peak
Python memory of each direction. Also timed: the local-disk save and read through
``core.stored_files`` (Django's FileSystemStorage), as an upload and a download do it.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientdesk.settings")
os.environ.setdefault("CLIENTDESK_ENV", "test")

CHUNK = 64 * 1024


class Generated(io.RawIOBase):
    """``size`` random-looking bytes produced on the fly, hashed as they are read."""

    def __init__(self, size: int) -> None:
        self.left, self.digest, self._block = size, hashlib.sha256(), os.urandom(CHUNK + 7)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), self.left, len(self._block))
        buffer[:size] = self._block[:size]
        self.digest.update(self._block[:size])
        self._block = self._block[size:] + self._block[:size]
        self.left -= size
        return size


def _source_cost(size: int) -> float:
    """Seconds spent only producing and hashing the source (subtracted from encryption)."""
    source, started = Generated(size), time.perf_counter()
    while source.read(CHUNK):
        pass
    return time.perf_counter() - started


def run_once(size: int, folder: Path) -> dict[str, float]:
    from clientdesk.core.envelope import DecryptingReader, EncryptingReader

    key, target = os.urandom(32), folder / "bench.enc"
    source = Generated(size)
    started = time.perf_counter()
    with target.open("wb") as out:
        shutil.copyfileobj(EncryptingReader(source, key), out, CHUNK)
    encrypt_s = time.perf_counter() - started
    started = time.perf_counter()
    with DecryptingReader(target.open("rb"), key) as reader:
        while reader.read(CHUNK):
            pass
    decrypt_s = time.perf_counter() - started
    digest = hashlib.sha256()  # checked once more, outside the timing
    with DecryptingReader(target.open("rb"), key) as reader:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
    assert digest.hexdigest() == source.digest.hexdigest(), "round trip differs"
    return {"encrypt_s": encrypt_s, "decrypt_s": decrypt_s}


def peak_memory(size: int, folder: Path) -> dict[str, int]:
    from clientdesk.core.envelope import DecryptingReader, EncryptingReader

    key, target = os.urandom(32), folder / "peak.enc"
    tracemalloc.start()
    try:
        with target.open("wb") as out:
            shutil.copyfileobj(EncryptingReader(Generated(size), key), out, CHUNK)
        encrypt_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        with DecryptingReader(target.open("rb"), key) as reader:
            while reader.read(CHUNK):
                pass
        decrypt_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {"encrypt_peak_bytes": encrypt_peak, "decrypt_peak_bytes": decrypt_peak}


def storage_round_trip(size: int, folder: Path) -> dict[str, float]:
    """Save and read back through ``core.stored_files`` on FileSystemStorage."""
    from django.core.files.storage import FileSystemStorage

    from clientdesk.core import stored_files
    from clientdesk.kyc.models import Document

    storage = FileSystemStorage(location=str(folder / "media"))
    started = time.perf_counter()
    name, key = stored_files.save_encrypted("kyc/0/bench.enc", Generated(size), storage=storage)
    save_s = time.perf_counter() - started
    row = Document(file=name, file_key=key.token, file_key_id=key.key_id)
    started = time.perf_counter()
    with stored_files.open_stored(row, storage=storage) as handle:
        while handle.read(CHUNK):
            pass
    return {"save_s": save_s, "open_read_s": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    import django

    django.setup()
    size = args.mb * 1024 * 1024
    source_s = _source_cost(size)
    with tempfile.TemporaryDirectory(prefix="bench-fileenc-") as tmp:
        folder = Path(tmp)
        runs = [run_once(size, folder) for _ in range(args.runs)]
        stores = [storage_round_trip(size, folder) for _ in range(args.runs)]
        peaks = peak_memory(size, folder)
    mb = size / 1e6
    enc = statistics.median(r["encrypt_s"] for r in runs) - source_s
    dec = statistics.median(r["decrypt_s"] for r in runs)
    result = {
        "file_mb": args.mb,
        "runs": args.runs,
        "encrypt_mb_s": round(mb / enc, 1),
        "decrypt_mb_s": round(mb / dec, 1),
        "save_through_storage_mb_s": round(
            mb / (statistics.median(s["save_s"] for s in stores) - source_s), 1
        ),
        "read_through_storage_mb_s": round(
            mb / statistics.median(s["open_read_s"] for s in stores), 1
        ),
        "encrypt_peak_kib": peaks["encrypt_peak_bytes"] // 1024,
        "decrypt_peak_kib": peaks["decrypt_peak_bytes"] // 1024,
        "source_generation_s": round(source_s, 3),
        "load_average": os.getloadavg()[0],
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }
    print("| What | Result |\n|---|---:|")
    print(f"| Encrypt ({args.mb} MB, median of {args.runs}) | {result['encrypt_mb_s']} MB/s |")
    print(f"| Decrypt | {result['decrypt_mb_s']} MB/s |")
    print(f"| Save via stored_files (local disk) | {result['save_through_storage_mb_s']} MB/s |")
    print(f"| Open and read via stored_files | {result['read_through_storage_mb_s']} MB/s |")
    print(f"| Peak Python memory, encrypting | {result['encrypt_peak_kib']} KiB |")
    print(f"| Peak Python memory, decrypting | {result['decrypt_peak_kib']} KiB |")
    print(f"\nload average {result['load_average']:.1f}, {result['machine']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
