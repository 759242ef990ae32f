"""Reading the ``Remarks`` column of OFAC's legacy CSV files.

OFAC packs the structured facts of an entry into one free-text field, items separated by
``;`` and the last one ending in ``.``::

    DOB 24 Jun 1954; POB Egypt; Passport 83860 (Sudan); alt. Passport 30455 (Egypt);
    a.k.a. ''ABD-AL-'IZ'; a.k.a. 'ABU YASIR'.

This module pulls out dates of birth (``DOB 23 Nov 1952``, ``DOB Nov 1952``, ``DOB 1965``,
``DOB circa 1960``, ``DOB 1960 to 1962``, ``DOB 01 Jan 1960 to 31 Dec 1962``), places of
birth, nationality and citizenship, gender, identity documents and the inline ``a.k.a.`` /
``f.k.a.`` / ``n.k.a.`` names - OFAC's *weak* aliases, which it writes in the remarks rather
than in ``alt.csv``. Everything else stays in the remarks text. Nothing here raises: an item
that looks like a date of birth but cannot be read is returned in ``problems``.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from clientdesk.screening.countries import to_iso2
from clientdesk.screening.records import BirthDate

__all__ = ["DOCUMENT_TYPES", "RemarksInfo", "parse_dob", "parse_remarks"]

_MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}

#: Item prefixes read as identity or registration documents (longest first when matching).
DOCUMENT_TYPES: tuple[str, ...] = (
    "Passport",
    "Diplomatic Passport",
    "Stateless Person Passport",
    "National ID No.",
    "Cedula No.",
    "D.N.I.",
    "R.F.C.",
    "C.U.R.P.",
    "NIT #",
    "RUC #",
    "SSN",
    "Tax ID No.",
    "Identification Number",
    "Personal ID Card",
    "Driver's License No.",
    "Electoral Registry No.",
    "Residency Number",
    "Registration ID",
    "Registration Number",
    "Business Registration Number",
    "Business Registration Document #",
    "Public Registration Number",
    "Commercial Registry Number",
    "Company Number",
    "Legal Entity Number",
    "Unified Social Credit Code (USCC)",
    "Government Gazette Number",
    "Vessel Registration Identification",
    "Kenyan ID No.",
    "Travel Document Number",
    "Refugee ID Card",
    "Birth Certificate Number",
)

_DOC_RE = re.compile(
    r"^(?P<type>"
    + "|".join(re.escape(t) for t in sorted(DOCUMENT_TYPES, key=len, reverse=True))
    + r")\s+(?P<number>[^()]+?)(?:\s+\((?P<country>[^()]+)\))?(?P<note>\s+\S.*)?$"
)
_ALIAS_RE = re.compile(r"^(?P<type>[afn])\.k\.a\.,?\s+(?P<name>.+)$", re.IGNORECASE)
_DOB_RE = re.compile(r"^DOB\s+(?P<value>.+)$")
_POB_RE = re.compile(r"^POB\s+(?P<value>.+)$")
_NATIONALITY_RE = re.compile(r"^(?:nationality|citizen)\s+(?P<value>.+)$", re.IGNORECASE)
_GENDER_RE = re.compile(r"^Gender\s+(?P<value>\w+)$")
_PAREN_RE = re.compile(r"\(([^()]+)\)")
_ALT_PREFIX_RE = re.compile(r"^alt\.\s+", re.IGNORECASE)
_DAY_MONTH_YEAR_RE = re.compile(r"^(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4})$")
_MONTH_YEAR_RE = re.compile(r"^([A-Za-z]{3})[a-z]* (\d{4})$")
_YEAR_RE = re.compile(r"^(\d{4})$")


@dataclass(slots=True)
class RemarksInfo:
    """What :func:`parse_remarks` found; lists in the order of the remarks."""

    dates_of_birth: list[BirthDate] = field(default_factory=list)
    places_of_birth: list[str] = field(default_factory=list)
    nationality_names: list[str] = field(default_factory=list)
    gender: str | None = None
    documents: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    aliases: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def split_items(remarks: str) -> list[str]:
    """Split on ``;`` and drop the final full stop of each item; empty items are dropped."""
    items = []
    for raw in remarks.split(";"):
        item = raw.strip()
        if item.endswith("."):
            item = item[:-1].rstrip()
        if item:
            items.append(item)
    return items


def _parse_point(text: str) -> tuple[datetime.date | None, int | None, int | None]:
    """``"23 Nov 1952"`` -> (date, 1952, 11); ``"Nov 1952"`` -> (None, 1952, 11);
    ``"1952"`` -> (None, 1952, None). Raises ``ValueError`` for anything else."""
    if m := _DAY_MONTH_YEAR_RE.match(text):
        month = _MONTHS[m.group(2).lower()]
        year = int(m.group(3))
        return datetime.date(year, month, int(m.group(1))), year, month
    if m := _MONTH_YEAR_RE.match(text):
        return None, int(m.group(2)), _MONTHS[m.group(1).lower()]
    if m := _YEAR_RE.match(text):
        return None, int(m.group(1)), None
    raise ValueError(text)


def parse_dob(value: str) -> BirthDate:
    """Read the text after ``DOB`` (see the module docstring); ``ValueError`` if unreadable."""
    text = " ".join(value.split())
    approximate = False
    if text.lower().startswith(("circa ", "approximately ", "approx. ")):
        approximate = True
        text = text.split(" ", 1)[1]
    if " to " in text:
        start, end = (part.strip() for part in text.split(" to ", 1))
        _, year_from, _ = _parse_point(start)
        _, year_to, _ = _parse_point(end)
        if year_from is None or year_to is None or year_from > year_to:
            raise ValueError(value)
        return BirthDate(
            "range", year_from=year_from, year_to=year_to, approximate=approximate, text=value
        )
    date, year, month = _parse_point(text)
    if date is not None and not approximate:
        return BirthDate("date", date=date, year=year, month=month, text=value)
    if month is not None:
        return BirthDate("month", year=year, month=month, approximate=approximate, text=value)
    return BirthDate("year", year=year, approximate=approximate, text=value)


def _alias_name(raw: str) -> str:
    """Strip OFAC's single quotes: ``'ABU YASIR'`` -> ``ABU YASIR``."""
    return raw.strip().strip("'").strip()


def _read_item(item: str, info: RemarksInfo) -> None:
    """Record one remarks item in ``info`` if it is one of the understood kinds."""
    body = _ALT_PREFIX_RE.sub("", item)
    if m := _ALIAS_RE.match(body):
        name = _alias_name(m.group("name"))
        if name:
            info.aliases.append((name, f"{m.group('type').lower()}ka"))
    elif m := _DOB_RE.match(body):
        try:
            info.dates_of_birth.append(parse_dob(m.group("value")))
        except (ValueError, KeyError):
            info.problems.append(f"unreadable date of birth: {item!r}")
    elif m := _POB_RE.match(body):
        info.places_of_birth.append(m.group("value").strip())
    elif body.lower().startswith("nationality of registration"):
        return
    elif m := _NATIONALITY_RE.match(body):
        info.nationality_names.append(m.group("value").strip())
    elif m := _GENDER_RE.match(body):
        info.gender = m.group("value").lower()
    elif m := _DOC_RE.match(body):
        note = m.group("note").strip() if m.group("note") else None
        country = m.group("country")
        # "Business Registration Number 0582030 (Connecticut) (United States)": the country
        # is the last parenthesis that names one.
        for candidate in _PAREN_RE.findall(note or ""):
            if to_iso2(candidate):
                country = candidate
        info.documents.append((m.group("type"), m.group("number").strip(), country, note))


def parse_remarks(remarks: str | None) -> RemarksInfo:
    """Extract the structured facts from an OFAC remarks field (``None`` -> empty result)."""
    info = RemarksInfo()
    for item in split_items(remarks or ""):
        _read_item(item, info)
    return info
