"""ICAO Doc 9303 machine-readable zones: check digits, parsing and validation.

Formats: **TD3** (passports, 2 lines of 44), **TD2** (2 lines of 36) and **TD1** (ID cards,
3 lines of 30). Every field check digit and the composite check digit are verified; dates
are read as YYMMDD with the century inferred (a birth date is never in the future; an expiry
date is at most 50 years ahead); names are split on ``<<`` into surname and given names.

Check digit (9303 part 3, 4.9): each character's value (digits as themselves, ``A``-``Z`` as
10-35, the filler ``<`` as 0) times the repeating weights 7, 3, 1, summed, modulo 10.

Text read by OCR confuses letters and digits. :func:`fix_ocr` repairs only positions whose
type is fixed by the format: in digit-only positions (dates, check digits) ``O Q D`` -> 0,
``I L`` -> 1, ``Z`` -> 2, ``S`` -> 5, ``G`` -> 6, ``B`` -> 8; in letter-only positions
(document code, states, names, sex) the reverse. Document numbers and optional data may mix
both, so they are never changed. The result says whether anything was corrected.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from clientdesk.kyc.results import CheckResult

__all__ = [
    "MRZError",
    "MRZFormatError",
    "MRZResult",
    "check_against_record",
    "check_digit",
    "find_mrz",
    "fix_ocr",
    "parse_mrz",
]

_WEIGHTS = (7, 3, 1)
_DIGIT_FIXES = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2",
                              "S": "5", "G": "6", "B": "8"})  # fmt: skip
_LETTER_FIXES = str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"})
_MRZ_CHARS_RE = re.compile(r"^[A-Z0-9<]+$")
_LENGTHS = {"TD1": (3, 30), "TD2": (2, 36), "TD3": (2, 44)}


class MRZFormatError(ValueError):
    """The text is not a machine-readable zone of a known format."""


def _char_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == "<":
        return 0
    raise ValueError(f"{char!r} is not an MRZ character")


def check_digit(data: str) -> int:
    """The ICAO 9303 check digit of ``data`` (7-3-1 weights; ``<`` = 0, A = 10 ... Z = 35)."""
    return sum(_char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(data)) % 10


# --------------------------------------------------------------------------------------------
# Layouts: (field name, line, start, end, kind); kind "9" digits, "A" letters, "X" mixed
# --------------------------------------------------------------------------------------------

_Layout = tuple[tuple[str, int, int, int, str], ...]

_TD3: _Layout = (
    ("document_code", 0, 0, 2, "A"),
    ("issuing_state", 0, 2, 5, "A"),
    ("name", 0, 5, 44, "A"),
    ("document_number", 1, 0, 9, "X"),
    ("document_number_check", 1, 9, 10, "9"),
    ("nationality", 1, 10, 13, "A"),
    ("birth_date", 1, 13, 19, "9"),
    ("birth_date_check", 1, 19, 20, "9"),
    ("sex", 1, 20, 21, "A"),
    ("expiry_date", 1, 21, 27, "9"),
    ("expiry_date_check", 1, 27, 28, "9"),
    ("optional_data", 1, 28, 42, "X"),
    ("optional_data_check", 1, 42, 43, "9"),
    ("composite_check", 1, 43, 44, "9"),
)
_TD2: _Layout = (
    ("document_code", 0, 0, 2, "A"),
    ("issuing_state", 0, 2, 5, "A"),
    ("name", 0, 5, 36, "A"),
    ("document_number", 1, 0, 9, "X"),
    ("document_number_check", 1, 9, 10, "9"),
    ("nationality", 1, 10, 13, "A"),
    ("birth_date", 1, 13, 19, "9"),
    ("birth_date_check", 1, 19, 20, "9"),
    ("sex", 1, 20, 21, "A"),
    ("expiry_date", 1, 21, 27, "9"),
    ("expiry_date_check", 1, 27, 28, "9"),
    ("optional_data", 1, 28, 35, "X"),
    ("composite_check", 1, 35, 36, "9"),
)
_TD1: _Layout = (
    ("document_code", 0, 0, 2, "A"),
    ("issuing_state", 0, 2, 5, "A"),
    ("document_number", 0, 5, 14, "X"),
    ("document_number_check", 0, 14, 15, "X"),  # "<" when the number runs on
    ("optional_data_1", 0, 15, 30, "X"),
    ("birth_date", 1, 0, 6, "9"),
    ("birth_date_check", 1, 6, 7, "9"),
    ("sex", 1, 7, 8, "A"),
    ("expiry_date", 1, 8, 14, "9"),
    ("expiry_date_check", 1, 14, 15, "9"),
    ("nationality", 1, 15, 18, "A"),
    ("optional_data_2", 1, 18, 29, "X"),
    ("composite_check", 1, 29, 30, "9"),
    ("name", 2, 0, 30, "A"),
)
_LAYOUTS = {"TD1": _TD1, "TD2": _TD2, "TD3": _TD3}
# Composite check digit input: (line, start, end) slices, in order.
_COMPOSITE = {
    "TD3": ((1, 0, 10), (1, 13, 20), (1, 21, 43)),
    "TD2": ((1, 0, 10), (1, 13, 20), (1, 21, 35)),
    "TD1": ((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)),
}


@dataclass(frozen=True, slots=True)
class MRZError:
    """A field that failed validation, with a sentence for the reviewer."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class MRZResult:
    """A parsed and validated MRZ. ``valid`` is true when there are no errors."""

    format: str
    lines: tuple[str, ...]
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: datetime.date | None
    sex: str
    expiry_date: datetime.date | None
    optional_data: str
    checks: dict[str, bool] = field(default_factory=dict)
    errors: tuple[MRZError, ...] = ()
    corrected: bool = False

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def full_name(self) -> str:
        """Given names then surname, e.g. ``"ANNA MARIA ERIKSSON"``."""
        return " ".join(p for p in (self.given_names, self.surname) if p)


# --------------------------------------------------------------------------------------------
# Finding and cleaning the lines
# --------------------------------------------------------------------------------------------


def _compact(line: str) -> str:
    """Upper case without spaces; the guillemet OCR sometimes reads for ``<<`` repaired."""
    return re.sub(r"\s+", "", line.upper()).replace("«", "<<").replace("‹", "<")


def _fit(line: str, length: int) -> str:
    """Pad or trim filler at the end so the line has ``length`` characters (OCR drops or
    adds a trailing ``<``); other characters are never cut."""
    if len(line) < length:
        return line + "<" * (length - len(line))
    if len(line) > length and set(line[length:]) <= {"<"}:
        return line[:length]
    return line


def find_mrz(text: str) -> tuple[str, ...] | None:
    """The MRZ lines in OCR text (the last block that fits a format), or ``None``.

    Lines may be off by two trailing fillers; they are padded or trimmed to length.
    """
    lines = [c for c in (_compact(x) for x in text.splitlines()) if c]
    candidates = [(i, c) for i, c in enumerate(lines) if len(c) >= 26 and _MRZ_CHARS_RE.match(c)]
    for fmt in ("TD3", "TD2", "TD1"):
        count, length = _LENGTHS[fmt]
        for k in range(len(candidates) - count, -1, -1):
            block = candidates[k : k + count]
            consecutive = all(block[j + 1][0] == block[j][0] + 1 for j in range(count - 1))
            fitted = [_fit(c, length) for _, c in block]
            if consecutive and all(len(f) == length for f in fitted) and "<" in fitted[0]:
                return tuple(fitted)
    return None


def fix_ocr(lines: Sequence[str], fmt: str) -> tuple[tuple[str, ...], bool]:
    """Repair letter/digit confusions in fixed-type positions; returns (lines, changed)."""
    chars = [list(line) for line in lines]
    for _name, line, start, end, kind in _LAYOUTS[fmt]:
        table = _DIGIT_FIXES if kind == "9" else _LETTER_FIXES if kind == "A" else None
        if table is None:
            continue
        segment = "".join(chars[line][start:end]).translate(table)
        chars[line][start:end] = list(segment)
    fixed = tuple("".join(c) for c in chars)
    return fixed, fixed != tuple(lines)


def _detect_format(lines: Sequence[str]) -> str:
    shape = (len(lines), *sorted({len(line) for line in lines}))
    for fmt, (count, length) in _LENGTHS.items():
        if shape == (count, length):
            return fmt
    raise MRZFormatError(
        f"{len(lines)} line(s) of {sorted({len(x) for x in lines})} characters is not an MRZ "
        "(expected 2 x 44, 2 x 36 or 3 x 30)"
    )


# --------------------------------------------------------------------------------------------
# Parsing and validation
# --------------------------------------------------------------------------------------------


def _date(text: str, kind: str, today: datetime.date) -> datetime.date | None:
    """YYMMDD -> date; birth dates are never after ``today``, expiry dates at most 50 years
    ahead. ``None`` when not a valid date."""
    if not text.isdigit():
        return None
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:6])
    for century in (2000, 1900):
        try:
            value = datetime.date(century + yy, mm, dd)
        except ValueError:
            return None
        if kind == "birth" and value <= today:
            return value
        if kind == "expiry" and value.year <= today.year + 50:
            return value
    return None


def _names(field_text: str) -> tuple[str, str]:
    """``ERIKSSON<<ANNA<MARIA<<<`` -> (``ERIKSSON``, ``ANNA MARIA``)."""
    surname, _, given = field_text.partition("<<")
    return (
        " ".join(surname.replace("<", " ").split()),
        " ".join(given.replace("<", " ").split()),
    )


def _verify(value: str, check: str, name: str, errors: list[MRZError]) -> bool:
    """Compare a field's check digit; an all-filler optional field may have ``<`` or 0."""
    if set(value) <= {"<"} and check in ("<", "0"):
        return True
    try:
        ok = check.isdigit() and check_digit(value) == int(check)
    except ValueError:
        ok = False
    if not ok:
        errors.append(MRZError(name, f"check digit of {name.replace('_', ' ')} does not match"))
    return ok


def _td1_number(fields: dict[str, str]) -> tuple[str, str, str]:
    """TD1 document number, its check digit and optional data 1; numbers longer than nine
    characters continue in optional data 1, ending with their check digit (9303 part 5)."""
    number, check, optional = (
        fields["document_number"],
        fields["document_number_check"],
        fields["optional_data_1"],
    )
    if check == "<" and optional[:1] not in ("", "<"):
        extension = optional.split("<", 1)[0]
        return number + extension[:-1], extension[-1], optional[len(extension) :]
    return number, check, optional


def parse_mrz(
    source: str | Sequence[str],
    *,
    today: datetime.date | None = None,
    ocr_fix: bool = True,
) -> MRZResult:
    """Parse and validate an MRZ given as its lines or as OCR text containing it.

    Raises :class:`MRZFormatError` when no MRZ is found; otherwise returns a result whose
    ``errors`` list every failed check (check digits, unreadable dates, bad characters).
    """
    today = today or datetime.date.today()
    lines = find_mrz(source) if isinstance(source, str) else tuple(_compact(x) for x in source)
    if not lines:
        raise MRZFormatError("no machine-readable zone found")
    fmt = _detect_format(lines)
    corrected = False
    if ocr_fix:
        lines, corrected = fix_ocr(lines, fmt)
    errors = [
        MRZError(f"line_{i + 1}", f"line {i + 1} has characters other than A-Z, 0-9 and <")
        for i, line in enumerate(lines)
        if not _MRZ_CHARS_RE.match(line)
    ]
    fields = {name: lines[ln][start:end] for name, ln, start, end, _ in _LAYOUTS[fmt]}
    if fmt == "TD1":
        number, number_check, optional = _td1_number(fields)
        optional += fields["optional_data_2"]
    else:
        number, number_check = fields["document_number"], fields["document_number_check"]
        optional = fields["optional_data"]
    checks = _check_all(fmt, lines, fields, number, number_check, errors)
    birth = _date(fields["birth_date"], "birth", today)
    expiry = _date(fields["expiry_date"], "expiry", today)
    if birth is None:
        errors.append(MRZError("birth_date", "date of birth is not a valid YYMMDD date"))
    if expiry is None:
        errors.append(MRZError("expiry_date", "expiry date is not a valid YYMMDD date"))
    surname, given = _names(fields["name"])
    return MRZResult(
        format=fmt,
        lines=tuple(lines),
        document_code=fields["document_code"].replace("<", ""),
        issuing_state=fields["issuing_state"].replace("<", ""),
        surname=surname,
        given_names=given,
        document_number=number.replace("<", ""),
        nationality=fields["nationality"].replace("<", ""),
        birth_date=birth,
        sex=fields["sex"].replace("<", "X"),
        expiry_date=expiry,
        optional_data=optional.replace("<", " ").strip(),
        checks=checks,
        errors=tuple(errors),
        corrected=corrected,
    )


def _check_all(
    fmt: str,
    lines: Sequence[str],
    fields: dict[str, str],
    number: str,
    number_check: str,
    errors: list[MRZError],
) -> dict[str, bool]:
    """Every field check digit, then the composite one."""
    checks = {
        "document_number": _verify(number, number_check, "document_number", errors),
        "birth_date": _verify(
            fields["birth_date"], fields["birth_date_check"], "birth_date", errors
        ),
        "expiry_date": _verify(
            fields["expiry_date"], fields["expiry_date_check"], "expiry_date", errors
        ),
    }
    if fmt == "TD3":
        checks["optional_data"] = _verify(
            fields["optional_data"], fields["optional_data_check"], "optional_data", errors
        )
    composite = "".join(lines[ln][a:b] for ln, a, b in _COMPOSITE[fmt])
    checks["composite"] = _verify(composite, fields["composite_check"], "composite", errors)
    return checks


# --------------------------------------------------------------------------------------------
# Comparison with the customer record
# --------------------------------------------------------------------------------------------


def _plain(value: str) -> str:
    return re.sub(r"[\s\-/]+", "", value.upper())


def check_against_record(
    result: MRZResult,
    *,
    name: str | None = None,
    birth_date: datetime.date | None = None,
    document_number: str | None = None,
    today: datetime.date | None = None,
    name_threshold: float = 85.0,
) -> list[CheckResult]:
    """Check digits, then name, birth date, number and expiry against the customer record.

    The name uses the screening matcher (word order, transliteration and initials
    tolerated); a name score within 15 points under the threshold is a warning.
    """
    today = today or datetime.date.today()
    results = [_digits_check(result)]
    if name:
        results.append(_name_check(result, name, name_threshold))
    if birth_date is not None:
        results.append(_birth_check(result.birth_date, birth_date))
    if document_number:
        results.append(
            _same(
                "mrz_document_number",
                _plain(result.document_number) == _plain(document_number),
                "Document number in the MRZ matches the record.",
                "Document number in the MRZ differs from the record.",
            )
        )
    results.append(_expiry_check(result.expiry_date, today))
    return results


def _digits_check(result: MRZResult) -> CheckResult:
    """Every check digit; when only the composite one fails, say exactly that (each field
    is consistent with its own digit, so the line was altered or misread across fields)."""
    if result.valid:
        return CheckResult.passed(
            "mrz_check_digits", f"{result.format} MRZ check digits are valid."
        )
    fields = [e.field for e in result.errors]
    if fields == ["composite"]:
        return CheckResult.failed(
            "mrz_check_digits",
            "Only the composite check digit of the MRZ is wrong: the document number, date of "
            "birth, expiry date"
            + (" and optional data" if "optional_data" in result.checks else "")
            + " each agree with their own check digit, but not the line as a whole (a field "
            "changed together with its digit, or a misread).",
            errors=fields,
        )
    return CheckResult.failed(
        "mrz_check_digits",
        "MRZ does not validate: " + "; ".join(e.message for e in result.errors) + ".",
        errors=fields,
    )


def _birth_check(read: datetime.date | None, record: datetime.date) -> CheckResult:
    """Never names the date of birth: check details are shown to every Documents user,
    including roles that may not see it (design rule 5); only how far apart they are."""
    if read == record:
        return CheckResult.passed("mrz_birth_date", "Date of birth in the MRZ matches the record.")
    if read is None:
        return CheckResult.failed(
            "mrz_birth_date", "The date of birth in the MRZ could not be read as a date."
        )
    days = abs((read - record).days)
    apart = f"about {days / 365.25:.0f} year(s)" if days >= 365 else f"{days} day(s)"
    return CheckResult.failed(
        "mrz_birth_date",
        f"Date of birth in the MRZ differs from the record ({apart} apart).",
        days_apart=days,
    )


def _same(code: str, same: bool, matches: str, differs: str) -> CheckResult:
    return CheckResult.passed(code, matches) if same else CheckResult.failed(code, differs)


def _name_check(result: MRZResult, name: str, threshold: float) -> CheckResult:
    """Fuzzy name comparison with the screening matcher; within 15 points: a warning."""
    from clientdesk.screening.matching import compare_names

    score = compare_names(name, result.full_name).score
    detail = f"Name in the MRZ ({result.full_name}) matches the record with score {score:.0f}."
    if score >= threshold:
        return CheckResult.passed("mrz_name", detail, score=score)
    if score >= threshold - 15:
        return CheckResult.warning("mrz_name", detail, score=score)
    return CheckResult.failed("mrz_name", detail, score=score)


def _expiry_check(expiry: datetime.date | None, today: datetime.date) -> CheckResult:
    if expiry is None:
        return CheckResult.failed("document_expiry", "The expiry date could not be read.")
    if expiry < today:
        return CheckResult.failed(
            "document_expiry", f"The document expired on {expiry}.", expiry=expiry.isoformat()
        )
    return CheckResult.passed(
        "document_expiry", f"The document is valid until {expiry}.", expiry=expiry.isoformat()
    )
