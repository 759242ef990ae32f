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
_NUMERIC_DMY = re.compile(r"\b(\d{1,2})\s?[/.\-]\s?(\d{1,2})\s?[/.\-]\s?(\d{4})\b")
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


#: Labels printed before a name on Indian and international IDs.
_NAME_LABEL = re.compile(
    r"^\s*(?P<label>(?:customer\s+|holder'?s?\s+|card\s*holder\s+)?name|surname|given\s+names?)"
    r"\b\s*[:.\-/]?\s*(?P<rest>.*)$",
    re.IGNORECASE | re.MULTILINE,
)
#: Below this score a name read next to a name label is a clear mismatch on an ID proof.
NAME_MISMATCH_BELOW = 60.0


def labelled_name(text: str) -> tuple[str, str]:
    """The name printed next to a name label ("Name", "Surname" + "Given names" ...), and the
    label(s) it was read beside; ("", "") when the document has no such label. The value is
    the rest of the label's line, or the next non-empty line when the label stands alone."""
    lines = text.splitlines()
    parts: dict[str, str] = {}
    labels: list[str] = []
    for number, line in enumerate(lines):
        match = _NAME_LABEL.match(line)
        if match is None:
            continue
        value = match["rest"].strip()
        if not value:
            value = next((x.strip() for x in lines[number + 1 : number + 3] if x.strip()), "")
        value = " ".join(_words(value))
        if not value:
            continue
        key = match["label"].lower().split()[0].rstrip("s")  # name / surname / given
        if key in ("customer", "holder", "holder's", "card", "cardholder"):
            key = "name"
        if key not in parts:
            parts[key] = value
            labels.append(" ".join(match["label"].split()).title())
    if "given" in parts or "surname" in parts:
        name = " ".join(p for p in (parts.get("given", ""), parts.get("surname", "")) if p)
    else:
        name = parts.get("name", "")
    return name, " + ".join(labels)


def check_name(
    name: str, text: str, *, threshold: float = 85.0, id_proof: bool = False
) -> CheckResult:
    """The record's name against the document text, with the score and the words compared.

    Pass at ``threshold``. On an ID proof, a name printed next to a name label that scores
    under :data:`NAME_MISMATCH_BELOW` (against it and against the best words anywhere in the
    text) is a clear mismatch: a fail. Between that and the threshold: a warning asking for
    review. A name not found at all (no label read, or not an ID proof) is a warning: OCR may
    simply have missed it.
    """
    score, snippet = name_score(name, text)
    label_value, label = labelled_name(text)
    label_score = name_score(name, label_value)[0] if label_value else None
    record = " ".join(name.split())
    data = {
        "score": score,
        "threshold": threshold,
        "record": record,
        "document": snippet.title(),
        "labelled": label_value.title() or None,
        "labelled_score": label_score,
    }
    if score >= threshold:
        return CheckResult.passed(
            "ocr_name",
            f"The name on the document matches the record (score {score:.0f}: record "
            f"“{record}”, document “{snippet.title()}”).",
            **data,
        )
    if (
        id_proof
        and label_score is not None
        and label_score < NAME_MISMATCH_BELOW
        and score < NAME_MISMATCH_BELOW
    ):
        return CheckResult.failed(
            "ocr_name",
            f"The name on the ID proof does not match the record: “{label_value.title()}” "
            f"(beside “{label}”) against “{record}”, score {label_score:.0f} "
            f"(below {NAME_MISMATCH_BELOW:.0f}).",
            **data,
        )
    if score >= NAME_MISMATCH_BELOW:
        return CheckResult.warning(
            "ocr_name",
            f"The name on the document is only a partial match; review it: record "
            f"“{record}”, document “{snippet.title()}”, score {score:.0f} (pass at "
            f"{threshold:.0f}).",
            **data,
        )
    read = f"; beside “{label}” it reads “{label_value.title()}”" if label_value else ""
    return CheckResult.warning(
        "ocr_name",
        f"The customer's name “{record}” was not found in the document text (best score "
        f"{score:.0f}{read}); a person must read it.",
        **data,
    )


# --- dates of birth ------------------------------------------------------------------------

#: Labels printed before a date of birth (English, Hindi) and before a year of birth only
#: (Aadhaar letters and older cards print "Year of Birth" / "YoB").
_DOB_LABEL = re.compile(
    r"date\s*of\s*birth|birth\s*date|d\s*\.?\s*o\s*\.?\s*b\b\.?|\bborn\b|जन्म\s*तिथि|जन्म\s*तारीख",
    re.IGNORECASE,
)
_YOB_LABEL = re.compile(r"year\s*of\s*birth|\by\s*\.?\s*o\s*\.?\s*b\b\.?|जन्म\s*वर्ष", re.IGNORECASE)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
#: How far after a label (characters; the label's line and the next) its value is looked for.
_LABEL_REACH = 60


def _after(label_end: int, pos: int, text: str) -> bool:
    """``pos`` lies within reach after the label, on its line or the next."""
    if not label_end <= pos <= label_end + _LABEL_REACH:
        return False
    return text.count("\n", label_end, pos) <= 1


def _labelled_dates(text: str) -> tuple[list[dt.date], str]:
    dated = _dates_with_positions(text)
    for label in _DOB_LABEL.finditer(text):
        found = [d for pos, d in dated if _after(label.end(), pos, text)]
        if found:
            return found[:1], " ".join(label[0].split())
    return [], ""


def _labelled_year(text: str) -> tuple[int | None, str]:
    for label in _YOB_LABEL.finditer(text):
        for year in _YEAR.finditer(text, label.end(), label.end() + _LABEL_REACH):
            if _after(label.end(), year.start(), text):
                return int(year[1]), " ".join(label[0].split())
    return None, ""


def _mrz_birth_date(text: str) -> dt.date | None:
    """The date of birth of an MRZ in the text (YYMMDD), only when its check digit holds."""
    from clientdesk.kyc.mrz import MRZFormatError, parse_mrz

    try:
        parsed = parse_mrz(text)
    except (MRZFormatError, ValueError):
        return None
    return parsed.birth_date if parsed.checks.get("birth_date") else None


def _slip(a: dt.date, b: dt.date) -> bool:
    """A typing or reading slip: day and month swapped, or one digit different."""
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return True
    one, two = a.strftime("%d%m%Y"), b.strftime("%d%m%Y")
    return sum(x != y for x, y in zip(one, two, strict=True)) == 1


def _apart(a: dt.date, b: dt.date) -> str:
    """How far apart two dates are, without naming either (the record's date is sensitive)."""
    days = abs((a - b).days)
    if days >= 365:
        return f"about {days / 365.25:.0f} year(s) apart"
    return f"{days} day(s) apart"


def check_birth_date(birth_date: dt.date, text: str) -> CheckResult:
    """The record's date of birth against the dates on the document, compared as dates.

    In order: a date next to a date-of-birth label ("DOB", "Date of Birth", "जन्म तिथि"); a
    year next to "Year of Birth" / "YoB" (Aadhaar); an MRZ's birth date whose check digit
    holds; any other date in the text. A labelled or MRZ date that differs fails (a
    warning when it looks like a slip: day and month swapped, one digit). Details never
    print the date of birth (it is a sensitive value every Documents user would see).
    """
    code = "ocr_birth_date"
    labelled, label = _labelled_dates(text)
    if labelled:
        found = labelled[0]
        data = {"source": "label", "label": label}
        if found == birth_date:
            return CheckResult.passed(
                code, f"The date of birth printed beside “{label}” matches the record.", **data
            )
        if _slip(found, birth_date):
            return CheckResult.warning(
                code,
                f"The date of birth beside “{label}” differs from the record by a slip (day "
                "and month swapped, or one digit): check it by hand.",
                **data,
            )
        return CheckResult.failed(
            code,
            f"The date of birth beside “{label}” differs from the record "
            f"({_apart(found, birth_date)}).",
            **data,
        )
    year, label = _labelled_year(text)
    if year is not None:
        data = {"source": "year", "label": label}
        if year == birth_date.year:
            return CheckResult.passed(
                code,
                f"Only a year of birth is printed (beside “{label}”); it matches the record.",
                **data,
            )
        return CheckResult.failed(
            code,
            f"The year of birth beside “{label}” differs from the record by "
            f"{abs(year - birth_date.year)} year(s).",
            **data,
        )
    mrz = _mrz_birth_date(text)
    if mrz is not None:
        if mrz == birth_date:
            return CheckResult.passed(
                code, "The date of birth in the MRZ matches the record.", source="mrz"
            )
        return CheckResult.failed(
            code,
            f"The date of birth in the MRZ differs from the record ({_apart(mrz, birth_date)}).",
            source="mrz",
        )
    dates = find_dates(text)
    if birth_date in dates:
        return CheckResult.passed(
            code,
            "The record's date of birth is written on the document (no date-of-birth label "
            "was read beside it).",
            source="unlabelled",
        )
    if dates:
        return CheckResult.warning(
            code,
            "The record's date of birth was not found on the document "
            f"({len(dates)} other date(s) read, none beside a date-of-birth label).",
            source="none",
            dates_read=len(dates),
        )
    return CheckResult.warning(
        code, "No date of birth could be read in the document text.", source="none"
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


# --- proof of address ----------------------------------------------------------------------

#: An Indian PIN code: six digits, the first 1-9, alone (not inside a longer number, a date or
#: an amount); OCR and printers often split it "560 001".
_PIN = re.compile(r"(?<![\d.,/\-])([1-9]\d{2})\s?(\d{3})(?![\d.,/\-]*\d)")
_ADDRESS_NOISE = frozenset({"ROAD", "RD", "STREET", "ST", "NAGAR", "NO", "FLAT", "HOUSE"})


def _address_words(text: str) -> list[str]:
    return re.findall(r"[A-Z0-9]{2,}", text.upper())


def address_score(address: str, text: str) -> tuple[float, int, int]:
    """How much of the record's address the text contains, 0-100 (rapidfuzz): the better
    of the best-aligned substring (``partial_ratio``) and the share of the address's words
    that have a close word (ratio >= 80) in the text; with the words found and counted."""
    from rapidfuzz import fuzz, process

    wanted = [w for w in _address_words(address) if not re.fullmatch(r"\d{6}", w)]
    words = sorted(set(_address_words(text)))
    if not wanted or not words:
        return 0.0, 0, len(wanted)
    found = sum(
        1
        for w in wanted
        if process.extractOne(w, words, scorer=fuzz.ratio, score_cutoff=80) is not None
    )
    partial = fuzz.partial_ratio(" ".join(wanted), " ".join(_address_words(text)))
    return round(max(partial, 100.0 * found / len(wanted)), 1), found, len(wanted)


def find_pins(text: str) -> list[str]:
    return list(dict.fromkeys(m[1] + m[2] for m in _PIN.finditer(text)))


def check_address(address: str, postal_code: str, text: str) -> CheckResult:
    """The address read from a proof of address against the record (fuzzy, rapidfuzz), the
    PIN code a strong signal: the record's PIN on the document and the street words mostly
    there pass; another PIN and not the street fail; the rest asks for review."""
    code = "address_match"
    pin = re.sub(r"\s+", "", postal_code or "")
    if not (address or "").strip() and not pin:
        return CheckResult.not_run(code, "the record has no address to compare")
    score, found, total = address_score(address, text)
    pins = find_pins(text)
    data = {"score": score, "words_found": found, "words": total, "record_pin": pin or None,
            "pins_read": pins[:5]}  # fmt: skip
    words = f"{found} of {total} words of “{address}” found, score {score:.0f}"
    if pin and pin in pins:
        if score >= 60:
            return CheckResult.passed(
                code, f"The address matches the record: PIN {pin} on the document; {words}.",
                **data,
            )  # fmt: skip
        return CheckResult.warning(
            code,
            f"The PIN {pin} matches but the street differs from the record ({words}); review.",
            **data,
        )
    if pin and pins:
        shown = ", ".join(pins[:3])
        if score < 80:
            return CheckResult.failed(
                code,
                f"The address on the document is not the record's: PIN {shown} on the "
                f"document, {pin} on the record; {words}.",
                **data,
            )
        return CheckResult.warning(
            code,
            f"The street matches ({words}) but the PIN on the document ({shown}) is not the "
            f"record's {pin}; review.",
            **data,
        )
    if score >= 80:
        return CheckResult.passed(
            code, f"The address matches the record ({words}; no PIN code read).", **data
        )
    return CheckResult.warning(
        code,
        f"The record's address was not clearly found on the document ({words}"
        + ("; no PIN code read" if pin else "")
        + "); a person must compare it.",
        **data,
    )
