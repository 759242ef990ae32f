"""One entry point for the automatic checks of an uploaded document file.

:func:`check_document` runs the size and type checks, then the image or PDF checks for the
type found in the bytes, and stops early when a file must be refused outright (empty, too
large, wrong or disguised type), so the caller can reject the upload and keep nothing.
"""

from __future__ import annotations

from clientdesk.kyc.checks_image import check_image
from clientdesk.kyc.checks_pdf import check_pdf
from clientdesk.kyc.filetype import DOCUMENT_TYPES, check_file_size, check_file_type
from clientdesk.kyc.results import CheckResult, CheckStatus

__all__ = ["REFUSAL_CODES", "check_document", "refusal"]

#: Checks whose failure means the upload is refused and nothing is stored.
REFUSAL_CODES = frozenset(
    {"file_size", "file_type", "image_decode", "pdf_parse", "pdf_encryption", "resolution"}
)


def check_document(
    data: bytes,
    *,
    filename: str | None = None,
    max_bytes: int = 10 * 1024 * 1024,
    allowed: tuple[str, ...] = DOCUMENT_TYPES,
    min_side: int = 600,
    blur_threshold: float = 100.0,
    max_pixels: int = 50_000_000,
    max_pages: int = 50,
) -> list[CheckResult]:
    """Size, type, then image or PDF checks; the list ends at the first refusal."""
    size = check_file_size(data, max_bytes=max_bytes)
    if size.status is CheckStatus.FAIL:
        return [size]
    kind = check_file_type(data, filename=filename, allowed=allowed)
    if kind.status is CheckStatus.FAIL:
        return [size, kind]
    if kind.data.get("kind") == "pdf":
        return [size, kind, *check_pdf(data, max_pages=max_pages)]
    images = check_image(
        data, min_side=min_side, blur_threshold=blur_threshold, max_pixels=max_pixels
    )
    return [size, kind, *images]


def refusal(results: list[CheckResult]) -> CheckResult | None:
    """The first failed check that means the file must be refused (see REFUSAL_CODES)."""
    return next(
        (r for r in results if r.status is CheckStatus.FAIL and r.code in REFUSAL_CODES), None
    )
