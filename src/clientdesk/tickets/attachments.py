"""Checking an uploaded file before it is stored: size, real type (from its bytes), integrity.

The type is judged from the content, never from the name or the browser's Content-Type:
images must start with their signature and decode with Pillow, PDFs with ``%PDF-`` and parse
with pypdf, text must be UTF-8 without NUL bytes. A name whose extension claims another type
than the content ("invoice.pdf" holding HTML, "photo.png" holding a PDF) is refused.
"""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# content type -> (extensions a name may carry, extension used in storage)
ALLOWED: dict[str, tuple[frozenset[str], str]] = {
    "image/png": (frozenset({".png"}), ".png"),
    "image/jpeg": (frozenset({".jpg", ".jpeg"}), ".jpg"),
    "image/gif": (frozenset({".gif"}), ".gif"),
    "image/webp": (frozenset({".webp"}), ".webp"),
    "application/pdf": (frozenset({".pdf"}), ".pdf"),
    "text/plain": (frozenset({".txt", ".csv", ".log"}), ".txt"),
}
_PILLOW_FORMATS = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    name: str  # cleaned original name, a label only
    content_type: str
    extension: str  # for the storage name
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def max_bytes() -> int:
    return int(getattr(settings, "TICKET_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def _error(message: str, code: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code)})


def clean_name(name: str) -> str:
    """A display label: no path, no control characters, at most 150 characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    if not base:
        return "file"
    stem, ext = os.path.splitext(base)
    return stem[: 150 - len(ext[:10])] + ext[:10]


def sniff(head: bytes) -> str | None:
    """The content type announced by the first bytes, if it is one we accept."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _image_ok(content: bytes, content_type: str) -> bool:
    from PIL import Image

    from clientdesk.core.imaging import strict_decoding

    try:
        with strict_decoding(), Image.open(io.BytesIO(content)) as image:
            fmt = image.format
            image.verify()
    except Exception:
        return False
    return _PILLOW_FORMATS.get(fmt or "") == content_type


def _pdf_ok(content: bytes) -> bool:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        return len(reader.pages) > 0
    except Exception:
        return False


def _detect(content: bytes) -> str:
    content_type = sniff(content[:16])
    if content_type is None:
        if _is_text(content):
            return "text/plain"
        raise _error(
            "This type of file is not accepted. Upload an image (PNG, JPEG, GIF, WebP), "
            "a PDF or a plain-text file.",
            "unsupported_type",
        )
    valid = (
        _pdf_ok(content) if content_type == "application/pdf" else _image_ok(content, content_type)
    )
    if not valid:
        raise _error("The file is damaged or is not what it claims to be.", "corrupt_file")
    return content_type


def _read(upload: Any, limit: int) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _error(f"The file is larger than {limit // (1024 * 1024) or 1} MB.", "too_large")
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _error(f"The file is larger than {limit // (1024 * 1024) or 1} MB.", "too_large")
    return content


def check_upload(upload: Any) -> CheckedFile:
    """Validate an uploaded file (a Django ``UploadedFile`` or any object with ``read``)."""
    if upload is None:
        raise _error("Choose a file to upload.", "required")
    content = _read(upload, max_bytes())
    if not content:
        raise _error("The file is empty.", "empty")
    name = clean_name(getattr(upload, "name", "") or "")
    content_type = _detect(content)
    extensions, storage_ext = ALLOWED[content_type]
    ext = os.path.splitext(name)[1].lower()
    if ext and ext not in extensions:
        raise _error(
            f"The file's content ({content_type}) does not match its name “{name}”.",
            "type_mismatch",
        )
    return CheckedFile(
        content=content,
        name=name,
        content_type=content_type,
        extension=storage_ext,
        sha256=hashlib.sha256(content).hexdigest(),
    )
