"""Automatic checks of an uploaded PDF, on its bytes, with pypdf.

:func:`check_pdf` returns, in order:

* ``pdf_parse`` - pypdf reads the file and every page's size (a damaged file fails);
* ``pdf_encryption`` - a PDF that needs a password to open fails (nobody can review it); one
  that opens without a password but carries an owner password (printing or copying
  restricted) is a warning;
* ``page_count`` - no pages, or more than ``max_pages``, fails;
* ``metadata_editing`` - signs of editing: a producer or creator naming an editing tool, a
  modification date later than the creation date, or incremental updates (the file was
  saved again over itself: more ``%%EOF`` markers than a linearized PDF has). A warning.

If the file cannot be parsed or opened, the later checks are not run.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Mapping
from typing import Any

from pypdf import PasswordType, PdfReader
from pypdf.errors import PyPdfError

from clientdesk.kyc.results import CheckResult, CheckStatus

__all__ = ["PDF_EDITORS", "check_pdf"]

#: Substrings (lower case) of /Producer or /Creator that name an editing tool.
PDF_EDITORS = (
    "photoshop",
    "gimp",
    "illustrator",
    "inkscape",
    "acrobat pro",
    "phantompdf",
    "foxit pdf editor",
    "nitro",
    "pdfescape",
    "sejda",
    "smallpdf",
    "ilovepdf",
    "pdf-xchange editor",
    "pdfelement",
    "pdf expert",
    "pdffiller",
    "dochub",
    "canva",
    "libreoffice draw",
)
_PDF_DATE_RE = re.compile(r"^D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?")


def _read(data: bytes) -> tuple[PdfReader | None, CheckResult]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if not reader.is_encrypted:
                for page in reader.pages:
                    _ = page.mediabox
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return None, CheckResult.failed(
            "pdf_parse", f"The PDF is damaged and cannot be read ({exc})."
        )
    return reader, CheckResult.passed("pdf_parse", "The PDF can be read.")


def _encryption(reader: PdfReader) -> CheckResult:
    if not reader.is_encrypted:
        return CheckResult.passed("pdf_encryption", "The PDF is not encrypted.", encrypted=False)
    try:
        opened = reader.decrypt("")
    except (PyPdfError, NotImplementedError, ValueError) as exc:
        return CheckResult.failed(
            "pdf_encryption",
            f"The PDF is encrypted in a way that cannot be opened ({exc}).",
            encrypted=True,
        )
    if opened == PasswordType.NOT_DECRYPTED:
        return CheckResult.failed(
            "pdf_encryption",
            "The PDF is password-protected; ask for a copy without a password.",
            encrypted=True,
            password_required=True,
        )
    return CheckResult.warning(
        "pdf_encryption",
        "The PDF opens without a password but has owner restrictions (printing or copying).",
        encrypted=True,
        password_required=False,
    )


def _pages(reader: PdfReader, max_pages: int) -> CheckResult:
    try:
        count = len(reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError) as exc:
        return CheckResult.failed("page_count", f"The pages cannot be counted ({exc}).")
    if count == 0:
        return CheckResult.failed("page_count", "The PDF has no pages.", pages=0)
    if count > max_pages:
        return CheckResult.failed(
            "page_count",
            f"The PDF has {count} pages; at most {max_pages} are accepted.",
            pages=count,
        )
    return CheckResult.passed("page_count", f"The PDF has {count} page(s).", pages=count)


def _pdf_date(value: Any) -> str | None:
    """``D:20240102030405+05'30'`` -> ``"20240102030405"`` (comparable as text)."""
    match = _PDF_DATE_RE.match(str(value or ""))
    return "".join(g or "" for g in match.groups()) if match else None


def _metadata(reader: PdfReader, data: bytes) -> CheckResult:
    info: Mapping[str, Any]
    try:
        info = reader.metadata or {}
    except (PyPdfError, ValueError, KeyError, TypeError):
        info = {}
    producer = str(info.get("/Producer") or "")
    creator = str(info.get("/Creator") or "")
    created, modified = _pdf_date(info.get("/CreationDate")), _pdf_date(info.get("/ModDate"))
    signs = []
    tools = f"{producer} {creator}".lower()
    if any(editor in tools for editor in PDF_EDITORS):
        signs.append(f"it was produced with {producer or creator}")
    if created and modified and modified[:12] > created[:12]:
        signs.append("it was modified after it was created")
    saves = data.count(b"%%EOF")
    linearized = b"/Linearized" in data[:2048]
    if saves > (2 if linearized else 1):
        signs.append(f"it was saved {saves} times (incremental updates)")
    details = {"producer": producer or None, "creator": creator or None, "eof_markers": saves}
    if signs:
        return CheckResult.warning(
            "metadata_editing",
            "The PDF shows signs of editing: " + "; ".join(signs) + ".",
            **details,
        )
    if not (producer or creator or created or modified):
        return CheckResult.passed(
            "metadata_editing",
            f"Saved once ({saves} end-of-file marker); the PDF carries no producer, creator "
            "or dates to judge.",
            **details,
        )
    return CheckResult.passed("metadata_editing", "No signs of editing in the metadata.", **details)


def check_pdf(data: bytes, *, max_pages: int = 50) -> list[CheckResult]:
    """Parse, encryption, page count and metadata checks (see the module docstring)."""
    reader, parsed = _read(data)
    if reader is None:
        return [parsed]
    encryption = _encryption(reader)
    if encryption.status is CheckStatus.FAIL:
        return [parsed, encryption]
    return [parsed, encryption, _pages(reader, max_pages), _metadata(reader, data)]
