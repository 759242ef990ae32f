"""The automatic verification of one uploaded document, from its bytes and the record.

:func:`verify` runs, in order, and returns every :class:`CheckResult`:

1. the file checks of :func:`~clientdesk.kyc.documents.check_document` (integrity,
   resolution, sharpness, page count, encryption, signs of editing in the metadata);
2. ``duplicate``: the same bytes (SHA-256) already uploaded for another customer fail, for
   the same customer warn;
3. ID proofs: the identifiers on the record valid for their type (Aadhaar Verhoeff, PAN
   format and holder type, passport format ...);
4. text: Tesseract OCR of the image, or of a PDF's text layer (OCR of its first page when
   it has none); then per kind: the name (fuzzy, score shown), date of birth and ID number
   looked for; for a passport the MRZ found, its ICAO 9303 check digits verified and its
   name, number, birth and expiry dates compared with the record; an expiry date written
   on other IDs; the age of a proof of address against ``address_max_age_days``.

No database, no storage: the service gathers the record and the duplicates and stores the
results. ``timings`` says where the time went (the benchmark prints it).
"""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from clientdesk.core.imaging import strict_decoding
from clientdesk.kyc import ocr, textchecks
from clientdesk.kyc.documents import check_document
from clientdesk.kyc.filetype import sniff
from clientdesk.kyc.identifiers import check_aadhaar, check_identifier, check_pan
from clientdesk.kyc.mrz import MRZResult, check_against_record
from clientdesk.kyc.mrzread import best_mrz, read_mrz
from clientdesk.kyc.results import CheckResult, CheckStatus, Outcome, overall_outcome

__all__ = ["Config", "Record", "Report", "verify"]


@dataclass(frozen=True)
class Record:
    """What the customer record says (clear values: this never leaves the process)."""

    name: str
    birth_date: dt.date | None = None
    country: str = "IN"
    id_type: str = ""
    id_number: str = ""
    pan: str = ""
    aadhaar: str = ""
    address: str = ""  # street and town, e.g. "12 MG Road, Pune" (without the PIN)
    postal_code: str = ""


@dataclass(frozen=True)
class Config:
    allowed: tuple[str, ...] = ("jpeg", "png", "pdf")
    max_bytes: int = 10 * 1024 * 1024
    min_side: int = 600
    blur_threshold: float = 100.0
    max_pixels: int = 50_000_000
    max_pages: int = 50
    address_max_age_days: int = 92
    name_threshold: float = 85.0
    ocr_enabled: bool = True
    ocr_timeout: float = 20.0


@dataclass
class Report:
    results: list[CheckResult]
    engine: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def outcome(self) -> Outcome:
        return overall_outcome(self.results)


class _Clock:
    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        try:
            return fn()
        finally:
            self.timings[name] = round(time.perf_counter() - started, 3)


def verify(
    data: bytes,
    *,
    kind: str,
    record: Record,
    filename: str = "",
    other_customers: list[str] | None = None,
    same_customer_copies: int = 0,
    near_duplicate: CheckResult | None = None,
    config: Config | None = None,
    today: dt.date | None = None,
) -> Report:
    """Every automatic check of one document (see the module docstring)."""
    config = config or Config()
    today = today or dt.date.today()
    report = Report(results=[])
    clock = _Clock(report.timings)
    files = clock.run(
        "file", lambda: check_document(
            data, filename=filename or None, allowed=config.allowed, max_bytes=config.max_bytes,
            min_side=config.min_side, blur_threshold=config.blur_threshold,
            max_pixels=config.max_pixels, max_pages=config.max_pages,
        ),
    )  # fmt: skip
    report.results += files
    report.results.append(_duplicate(other_customers or [], same_customer_copies))
    if near_duplicate is not None:  # kyc.perceptual, looked up by the service
        report.results.append(near_duplicate)
    if kind == "id_proof":
        report.results += _identifiers(record)
    if any(r.status is CheckStatus.FAIL for r in files):
        return report
    if not config.ocr_enabled:
        report.results += _not_run(kind, record, "text recognition is switched off (KYC_OCR)")
        return report
    want_mrz = kind == "id_proof" and record.id_type == "passport"
    reading = clock.run("ocr", lambda: _read_text(data, config, want_mrz=want_mrz, today=today))
    text, engine = reading.text, reading.engine
    report.engine = engine
    if reading.unavailable:
        report.results += _not_run(kind, record, reading.unavailable)
        return report
    if reading.problem:
        report.results.append(CheckResult.warning("ocr", reading.problem))
        return report
    words = len(text.split())
    if words < 3:
        report.results.append(
            CheckResult.warning(
                "ocr", f"Almost no text could be read ({words} words, {engine}).", engine=engine
            )
        )
    else:
        report.results.append(
            CheckResult.passed("ocr", f"{words} words read ({engine}).", engine=engine)
        )
    report.results += clock.run("content", lambda: _content(kind, reading, record, config, today))
    return report


def _not_run(kind: str, record: Record, reason: str) -> list[CheckResult]:
    """Text recognition and the checks that read its text, each *not run* with ``reason``
    ("tesseract is not installed"): a person must read the document."""
    results = [CheckResult.not_run("ocr", reason, advice="a person must read the document")]
    return results + [CheckResult.not_run(code, reason) for code in _text_checks(kind, record)]


def _text_checks(kind: str, record: Record) -> list[str]:
    """The codes :func:`_content` would have produced from the text (see there)."""
    codes = []
    if kind != "other" and record.name:
        codes.append("ocr_name")
    if kind == "address_proof":
        codes += ["document_date", "address_match"]
    if kind == "id_proof":
        codes += ["ocr_birth_date"] if record.birth_date else []
        codes += ["ocr_id_number"] if record.id_number else []
        codes += ["mrz_found"] if record.id_type == "passport" else []
    return codes


def _duplicate(others: list[str], same: int) -> CheckResult:
    if others:
        shown = ", ".join(others[:3]) + (" …" if len(others) > 3 else "")
        return CheckResult.failed(
            "duplicate",
            f"The same file was already uploaded for another customer ({shown}).",
            customers=others[:10],
        )
    if same:
        return CheckResult.warning(
            "duplicate", "The same file was already uploaded for this customer.", copies=same
        )
    return CheckResult.passed("duplicate", "No other customer has this file.")


def _identifiers(record: Record) -> list[CheckResult]:
    results = []
    if record.id_type:
        results.append(
            check_identifier(record.id_type, record.id_number, country=record.country or "IN")
        )
    if record.pan and record.id_type != "pan":
        results.append(check_pan(record.pan))
    if record.aadhaar and record.id_type != "aadhaar":
        results.append(check_aadhaar(record.aadhaar))
    return results


def _open_image(data: bytes) -> Image.Image | None:
    """Decoded for reading: a large JPEG is decoded at a reduced scale (much faster)."""
    try:
        with strict_decoding():
            image = Image.open(io.BytesIO(data))
            if image.format == "JPEG":
                image.draft("RGB", (ocr.OCR_MAX_SIDE, ocr.OCR_MAX_SIDE))
            image.load()
        return image
    except Exception:
        return None


def _page_image(data: bytes, config: Config) -> Image.Image | None:
    """The image to read: the picture itself, or a PDF's first page drawn at 200 dpi."""
    found = sniff(data)
    if found is not None and found.kind == "pdf":
        png = ocr.render_pdf_page(data, 1, dpi=200, timeout=config.ocr_timeout)
        return _open_image(png)
    return _open_image(data)


@dataclass(frozen=True)
class _Reading:
    text: str = ""
    mrz: MRZResult | None = None  # from the MRZ-only readings of a passport page
    engine: str = ""
    problem: str = ""  # the text could not be read (the check ran: a warning)
    unavailable: str = ""  # the program is missing or timed out (the checks did not run)


def _read_text(
    data: bytes, config: Config, *, want_mrz: bool = False, today: dt.date | None = None
) -> _Reading:
    """A PDF's text layer when it has one, else Tesseract; for a passport the full reading
    and the MRZ pass run side by side (two processes)."""
    found = sniff(data)
    if found is not None and found.kind == "pdf":
        text = ocr.pdf_text(data)
        if len(text.strip()) >= 20:
            return _Reading(text=text, engine="PDF text layer")
    try:
        image = _page_image(data, config)
        if image is None:
            problem = "The document could not be turned into an image for text recognition."
            return _Reading(problem=problem)
        prepared = ocr.prepare(image)
        with ThreadPoolExecutor(max_workers=2) as pool:
            full = pool.submit(ocr.ocr_image, prepared, timeout=config.ocr_timeout)
            mrz = (
                pool.submit(read_mrz, prepared, timeout=config.ocr_timeout, today=today)
                if want_mrz
                else None
            )
            text, parsed = full.result(), (mrz.result() if mrz else None)
    except ocr.OcrUnavailable as exc:
        return _Reading(unavailable=str(exc))
    return _Reading(text=text, mrz=parsed, engine=ocr.tesseract_version())


def _content(
    kind: str, reading: _Reading, record: Record, config: Config, today: dt.date
) -> list[CheckResult]:
    text = reading.text
    results: list[CheckResult] = []
    if kind != "other" and record.name:
        results.append(
            textchecks.check_name(
                record.name, text, threshold=config.name_threshold, id_proof=kind == "id_proof"
            )
        )
    if kind == "address_proof":
        results.append(
            textchecks.check_document_date(
                text, today=today, max_age_days=config.address_max_age_days
            )
        )
        results.append(textchecks.check_address(record.address, record.postal_code, text))
    if kind != "id_proof":
        return results
    if record.birth_date:
        results.append(textchecks.check_birth_date(record.birth_date, text))
    if record.id_number:
        label = {"passport": "passport number", "pan": "PAN", "aadhaar": "Aadhaar number"}
        results.append(
            textchecks.check_id_number(
                record.id_number, text, label=label.get(record.id_type, "ID number")
            )
        )
    if record.id_type == "passport":
        results += _passport(reading, record, config, today)
    else:
        expiry = textchecks.check_expiry_text(text, today=today)
        if expiry is not None:
            results.append(expiry)
    return results


def _passport(
    reading: _Reading, record: Record, config: Config, today: dt.date
) -> list[CheckResult]:
    parsed = reading.mrz if reading.mrz and reading.mrz.valid else None
    parsed = parsed or best_mrz([reading.text], today=today) or reading.mrz
    if parsed is None:
        return [
            CheckResult.failed(
                "mrz_found", "No machine-readable zone (MRZ) was found on the passport page."
            )
        ]
    found = CheckResult.passed(
        "mrz_found",
        f"{parsed.format} MRZ found"
        + (" (OCR letter/digit confusions corrected)." if parsed.corrected else "."),
        format=parsed.format,
    )
    return [
        found,
        *check_against_record(
            parsed,
            name=record.name,
            birth_date=record.birth_date,
            document_number=record.id_number or None,
            today=today,
            name_threshold=config.name_threshold,
        ),
    ]
