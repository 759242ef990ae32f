"""Checks on the text read from a document (OCR or a PDF's text layer) against the record.

Pure functions returning :class:`~clientdesk.kyc.results.CheckResult`: the customer's name
(fuzzy, with the score shown), date of birth and ID number looked for in the text; the
newest date on a proof of address against a maximum age; a labelled expiry date. A value
OCR did not find is a warning (a person looks), a clear contradiction a fail. Details show
masked numbers only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from clientdesk.kyc.identifiers import mask
from clientdesk.kyc.results import CheckResult

__all__ = [
    "check_birth_date",
    "check_document_date",
    "check_expiry_text",
    "check_id_number",
    "check_name",
    "find_dates",
    "name_score",
]

_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for m in names
}
_NUMERIC_DMY = re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\b")
_NUMERIC_YMD = re.compile(r"\b(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})\b")
_TEXT_DMY = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?[\s\-/.]+([A-Za-z]{3,9})[\s\-/.,]+(\d{4})\b")
_TEXT_MDY = re.compile(r"\b([A-Za-z]{3,9})\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_EXPIRY_LABEL = re.compile(
    r"(date\s+of\s+expiry|expiry(?:\s+date)?|expires(?:\s+on)?|valid\s+(?:until|till|upto|up\s+to))",
    re.IGNORECASE,
)


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _dates_with_positions(text: str) -> list[tuple[int, dt.date]]:
    found: list[tuple[int, dt.date | None]] = []
    found += [
        (m.start(), _date(int(m[3]), int(m[2]), int(m[1]))) for m in _NUMERIC_DMY.finditer(text)
    ]
    found += [
        (m.start(), _date(int(m[1]), int(m[2]), int(m[3]))) for m in _NUMERIC_YMD.finditer(text)
    ]
    for m in _TEXT_DMY.finditer(text):
        month = _MONTHS.get(m[2].lower())
        found.append((m.start(), _date(int(m[3]), month, int(m[1])) if month else None))
    for m in _TEXT_MDY.finditer(text):
        month = _MONTHS.get(m[1].lower())
        found.append((m.start(), _date(int(m[3]), month, int(m[2])) if month else None))
    return sorted((pos, d) for pos, d in found if d is not None and 1900 <= d.year <= 2100)


def find_dates(text: str) -> list[dt.date]:
    """Every plausible date written in the text (day-first numeric, ISO, or with a month
    name), in the order they appear."""
    return [d for _, d in _dates_with_positions(text)]


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Z]+", text.upper())


def _scattered(target: str, words: list[str]) -> str:
    """The text's closest word to each word of the name (labelled forms print surname and
    given names on separate lines), or "" when some name word has no close word."""
    from rapidfuzz import fuzz, process

    vocabulary = sorted(set(words))
    found = []
    for part in target.split():
        best = process.extractOne(part, vocabulary, scorer=fuzz.ratio, score_cutoff=80)
        if best is None:
            return ""
        found.append(best[0])
    return " ".join(found)


def name_score(name: str, text: str) -> tuple[float, str]:
    """The best score (0-100) of ``name`` against the words of ``text``, and the words it
    matched, by the screening name matcher (word order, transliteration, initials and small
    misspellings tolerated; a different name scores near 0). Candidates: every run of about
    as many words as the name has, and the closest word to each name word wherever it is."""
    from clientdesk.screening.matching import compare_names

    target = " ".join(_words(name))
    words = _words(text)
    if not target or not words:
        return 0.0, ""
    size = len(target.split())
    candidates = {_scattered(target, words)} - {""}
    for width in {max(size - 1, 1), size, size + 1}:
        for start in range(0, max(len(words) - width + 1, 1)):
            candidates.add(" ".join(words[start : start + width]))
    best, snippet = 0.0, ""
    for candidate in candidates:
        score = compare_names(target, candidate).score
        if score > best:
            best, snippet = score, candidate
    return round(best, 1), snippet


def check_name(name: str, text: str, *, threshold: float = 85.0) -> CheckResult:
    score, snippet = name_score(name, text)
    data = {"score": score, "threshold": threshold}
    if score >= threshold:
        return CheckResult.passed(
            "ocr_name", f"The name on the document matches the record (score {score:.0f}).", **data
        )
    if score >= 60:
        return CheckResult.warning(
            "ocr_name",
            f"The name on the document is only a partial match (score {score:.0f}; "
            f"best reading “{snippet.title()}”).",
            **data,
        )
    return CheckResult.warning(
        "ocr_name",
        f"The customer's name was not found in the document text (best score {score:.0f}).",
        **data,
    )


def check_birth_date(birth_date: dt.date, text: str) -> CheckResult:
    dates = find_dates(text)
    yymmdd = birth_date.strftime("%y%m%d")
    if birth_date in dates or yymmdd in re.sub(r"\s+", "", text):
        return CheckResult.passed("ocr_birth_date", "The date of birth on the document matches.")
    if dates:
        return CheckResult.warning(
            "ocr_birth_date",
            "The record's date of birth was not found in the document text "
            f"({len(dates)} other date(s) read).",
        )
    return CheckResult.warning(
        "ocr_birth_date", "No date of birth could be read in the document text."
    )


def _compact(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def check_id_number(number: str, text: str, *, label: str = "ID number") -> CheckResult:
    wanted = _compact(number)
    if wanted and wanted in _compact(text):
        return CheckResult.passed(
            "ocr_id_number", f"The {label} {mask(wanted)} appears on the document."
        )
    return CheckResult.warning(
        "ocr_id_number", f"The {label} {mask(wanted)} was not found in the document text."
    )


def check_document_date(
    text: str, *, today: dt.date, max_age_days: int, labels: Iterable[str] = ()
) -> CheckResult:
    """Proof of address: the newest date on it (not in the future) must be recent."""
    dates = [d for d in find_dates(text) if d <= today]
    if not dates:
        return CheckResult.warning(
            "document_date", "No date could be read on the document; check its age by hand."
        )
    newest = max(dates)
    age = (today - newest).days
    data = {"date": newest.isoformat(), "age_days": age, "max_age_days": max_age_days}
    if age > max_age_days:
        return CheckResult.failed(
            "document_date",
            f"The document is dated {newest:%d %b %Y}, {age} days ago: older than the "
            f"{max_age_days} days accepted for a proof of address.",
            **data,
        )
    return CheckResult.passed(
        "document_date", f"The document is dated {newest:%d %b %Y} ({age} days ago).", **data
    )


def check_expiry_text(text: str, *, today: dt.date) -> CheckResult | None:
    """A date written after an expiry label ("Date of expiry", "Valid until" ...); None
    when the document carries no such label."""
    dated = _dates_with_positions(text)
    for label in _EXPIRY_LABEL.finditer(text):
        after = [d for pos, d in dated if label.end() <= pos <= label.end() + 40]
        if not after:
            continue
        expiry = after[0]
        if expiry < today:
            return CheckResult.failed(
                "document_expiry", f"The document expired on {expiry:%d %b %Y}.",
                expiry=expiry.isoformat(),
            )  # fmt: skip
        return CheckResult.passed(
            "document_expiry",
            f"The document is valid until {expiry:%d %b %Y}.",
            expiry=expiry.isoformat(),
        )
    return None
