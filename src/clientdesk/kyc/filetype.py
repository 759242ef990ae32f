"""What a file is, judged from its bytes (never from its name), and its size.

Signatures: JPEG ``FF D8 FF``; PNG ``89 50 4E 47 0D 0A 1A 0A``; PDF ``%PDF-`` at the start
(after optional whitespace); HEIC/HEIF an ISO-BMFF ``ftyp`` box whose major or compatible
brand is a HEIF brand (``heic``, ``heix``, ``hevc``, ``mif1``...). GIF, WebP, TIFF, ZIP
(and so Office files) and Windows/ELF executables are recognised too, so a refusal can say
what the file really is. A name whose extension claims another type is a disguised file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from clientdesk.kyc.results import CheckResult

__all__ = [
    "DOCUMENT_TYPES",
    "FileType",
    "check_file_size",
    "check_file_type",
    "sha256_hex",
    "sniff",
]


@dataclass(frozen=True, slots=True)
class FileType:
    """A recognised file type: short ``kind``, MIME type, usual extensions, label."""

    kind: str
    mime: str
    extensions: tuple[str, ...]
    label: str


_TYPES = {
    t.kind: t
    for t in (
        FileType("jpeg", "image/jpeg", (".jpg", ".jpeg", ".jpe", ".jfif"), "a JPEG image"),
        FileType("png", "image/png", (".png",), "a PNG image"),
        FileType("pdf", "application/pdf", (".pdf",), "a PDF document"),
        FileType("heic", "image/heic", (".heic", ".heif", ".hif"), "a HEIC image"),
        FileType("gif", "image/gif", (".gif",), "a GIF image"),
        FileType("webp", "image/webp", (".webp",), "a WebP image"),
        FileType("tiff", "image/tiff", (".tif", ".tiff"), "a TIFF image"),
        FileType("zip", "application/zip", (".zip", ".docx", ".xlsx", ".odt"), "a ZIP archive"),
        FileType("exe", "application/x-msdownload", (".exe", ".dll"), "a Windows program"),
        FileType("elf", "application/x-executable", (), "a Linux program"),
    )
}
#: The types accepted as KYC documents by default.
DOCUMENT_TYPES: tuple[str, ...] = ("jpeg", "png", "pdf", "heic")
_HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
)


def _is_heif(data: bytes) -> bool:
    """An ``ftyp`` box at offset 4 naming a HEIF brand (major or compatible)."""
    if data[4:8] != b"ftyp":
        return False
    size = int.from_bytes(data[0:4], "big")
    brands = [data[8:12]] + [data[i : i + 4] for i in range(16, min(size, 64, len(data)), 4)]
    return any(b in _HEIF_BRANDS for b in brands) and data[8:12] != b"avif"


def sniff(data: bytes) -> FileType | None:
    """The type of ``data`` from its leading bytes, or ``None`` when unknown."""
    head = data[:64]
    checks = (
        ("jpeg", head.startswith(b"\xff\xd8\xff")),
        ("png", head.startswith(b"\x89PNG\r\n\x1a\n")),
        ("pdf", head.lstrip(b" \t\r\n\x0c\x00").startswith(b"%PDF-")),
        ("heic", _is_heif(head)),
        ("gif", head[:6] in (b"GIF87a", b"GIF89a")),
        ("webp", head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
        ("tiff", head[:4] in (b"II*\x00", b"MM\x00*")),
        ("zip", head.startswith(b"PK\x03\x04")),
        ("exe", head.startswith(b"MZ")),
        ("elf", head.startswith(b"\x7fELF")),
    )
    return next((_TYPES[kind] for kind, hit in checks if hit), None)


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of the file, kept for duplicate detection."""
    return hashlib.sha256(data).hexdigest()


def check_file_size(data: bytes, *, max_bytes: int) -> CheckResult:
    """Empty or larger than ``max_bytes`` (from settings) fails."""
    size = len(data)
    if size == 0:
        return CheckResult.failed("file_size", "The file is empty.", size=0)
    if size > max_bytes:
        return CheckResult.failed(
            "file_size",
            f"The file is {size / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.1f} MB.",
            size=size,
            limit=max_bytes,
        )
    return CheckResult.passed("file_size", f"The file is {size:,} bytes.", size=size)


def check_file_type(
    data: bytes, *, filename: str | None = None, allowed: tuple[str, ...] = DOCUMENT_TYPES
) -> CheckResult:
    """Fail for an unknown or disallowed type, or for a name claiming another type.

    ``data["kind"]`` and ``data["mime"]`` carry the detected type for storage.
    """
    found = sniff(data)
    allowed_labels = ", ".join(_TYPES[k].kind.upper() for k in allowed)
    if found is None:
        return CheckResult.failed(
            "file_type",
            f"The file is not a recognised document type ({allowed_labels}).",
            kind=None,
        )
    data_fields = {"kind": found.kind, "mime": found.mime}
    if found.kind not in allowed:
        return CheckResult.failed(
            "file_type",
            f"The file is {found.label}, which is not accepted ({allowed_labels}).",
            **data_fields,
        )
    suffix = PurePath(filename).suffix.lower() if filename else ""
    claimed = next((t for t in _TYPES.values() if suffix and suffix in t.extensions), None)
    if claimed is not None and claimed.kind != found.kind:
        return CheckResult.failed(
            "file_type",
            f"The file is named “{PurePath(filename or '').name}” but its content is "
            f"{found.label}: a disguised file.",
            claimed=claimed.kind,
            **data_fields,
        )
    return CheckResult.passed("file_type", f"The file is {found.label}.", **data_fields)
