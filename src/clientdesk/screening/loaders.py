"""Loaders for sanctions and PEP lists, reading the files exactly as the publishers issue them.

Three formats, one result type (:class:`~clientdesk.screening.records.LoadedList`):

* **OFAC legacy CSV** (:func:`load_ofac`, :func:`parse_ofac`): the SDN list (``sdn.csv``,
  ``alt.csv``, ``add.csv``, ``sdn_comments.csv``) or the Consolidated non-SDN list
  (``cons_prim.csv`` ... ``cons_comments.csv``, same layout). No header; ``-0-`` (often with
  a trailing space) for an empty field; CRLF; a Ctrl-Z byte after the last line of the main
  files; programs joined by ``] [``; individuals as ``SURNAME, Given Names``; facts packed
  into the remarks (see :mod:`~clientdesk.screening.ofac_remarks`); remarks longer than
  OFAC's field continue in the comments file, cut mid-word, so the two are concatenated
  without a separator. Side-file rows whose ``ent_num`` is not in the main file are skipped
  and reported in ``version.orphans``, never fatal.
* **UN Security Council consolidated list XML** (:func:`load_un_xml`, :func:`parse_un_xml`),
  parsed with :mod:`~clientdesk.screening.safexml` (no DTD, no entities).
* **In-house / PEP CSV** (:func:`load_inhouse_csv`, :func:`parse_inhouse_csv`) with the
  header ``id,name,aliases,type,date_of_birth,nationality,program,remarks``; several aliases,
  dates, nationalities or programs are separated by ``|``.

Loaders never raise on a bad row: it is skipped and described in ``version.problems``. They
raise :class:`ListFormatError` only when the file as a whole is not of the expected format.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from clientdesk.screening.countries import to_iso2
from clientdesk.screening.ofac_remarks import parse_remarks
from clientdesk.screening.records import (
    Address,
    Alias,
    BirthDate,
    Document,
    EntryKind,
    ListEntry,
    ListVersion,
    LoadedList,
    OrphanReport,
    OrphanRow,
    Source,
)
from clientdesk.screening.safexml import UnsafeXMLError, parse_xml_bytes

__all__ = [
    "INHOUSE_COLUMNS",
    "OFAC_FILES",
    "ListFormatError",
    "load_inhouse_csv",
    "load_list",
    "load_ofac",
    "load_un_xml",
    "parse_inhouse_csv",
    "parse_ofac",
    "parse_un_xml",
]


class ListFormatError(ValueError):
    """The file as a whole is not in the expected list format."""


#: File names per OFAC list: (main, alternate names, addresses, remarks overflow).
OFAC_FILES: dict[str, tuple[str, str, str, str]] = {
    Source.OFAC_SDN: ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"),
    Source.OFAC_CONS: ("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv"),
}
_OFAC_MAIN_COLUMNS = 12
_OFAC_SIDE_COLUMNS = {"alt": 5, "add": 6, "comments": 2}
_OFAC_KINDS = {
    "individual": EntryKind.INDIVIDUAL,
    "vessel": EntryKind.VESSEL,
    "aircraft": EntryKind.AIRCRAFT,
}
_VESSEL_DETAILS = ("title", "call_sign", "vessel_type", "tonnage", "grt", "vessel_flag")
_NOT_A_COUNTRY = frozenset({"na", "n/a", "none", "unknown"})

#: Columns of the in-house / PEP CSV, in order.
INHOUSE_COLUMNS = (
    "id",
    "name",
    "aliases",
    "type",
    "date_of_birth",
    "nationality",
    "program",
    "remarks",
)
_INHOUSE_KINDS = {
    "individual": EntryKind.INDIVIDUAL,
    "person": EntryKind.INDIVIDUAL,
    "pep": EntryKind.INDIVIDUAL,
    "entity": EntryKind.ENTITY,
    "organisation": EntryKind.ENTITY,
    "organization": EntryKind.ENTITY,
    "company": EntryKind.ENTITY,
    "vessel": EntryKind.VESSEL,
    "aircraft": EntryKind.AIRCRAFT,
}


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def _decode(data: bytes | str) -> str:
    """Bytes to text: UTF-8 (BOM allowed), else Windows-1252; trailing Ctrl-Z bytes removed."""
    if isinstance(data, str):
        text = data
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    return text.rstrip("\x1a")


def _csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` for each non-blank CSV record; CRLF or LF."""
    reader = csv.reader(io.StringIO(text, newline=""))
    for row in reader:
        if row and any(cell.strip() for cell in row):
            yield reader.line_num, row


def _value(raw: str | None) -> str | None:
    """A field's text, or ``None`` for an empty field or OFAC's ``-0-`` marker."""
    if raw is None:
        return None
    text = raw.strip()
    return None if text in ("", "-0-") else text


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    """Non-empty values, first occurrence kept, order preserved."""
    return tuple(dict.fromkeys(v for v in values if v))


@dataclass(slots=True)
class _Countries:
    """Maps published country names to ISO codes, remembering the ones it could not map."""

    unmapped: set[str] = field(default_factory=set)

    def iso(self, name: str | None) -> str | None:
        if not name or name.strip().lower() in _NOT_A_COUNTRY:
            return None
        code = to_iso2(name)
        if code is None:
            self.unmapped.add(name.strip())
        return code

    def of_place(self, place: str | None) -> str | None:
        """The country of ``"Tijuana, Baja California, Mexico"``: the last part, else all.

        Places of birth often end in a town or region ("Hebron"), so misses are not reported.
        """
        if not place:
            return None
        last = place.rsplit(",", 1)[-1].strip()
        return to_iso2(last) or to_iso2(place)  # often a town or region: not reported


def _version(
    source: str,
    entries: Sequence[ListEntry],
    *,
    published: datetime.datetime | None,
    orphans: OrphanReport | None = None,
    problems: Iterable[str] = (),
    unmapped: Iterable[str] = (),
    file_rows: dict[str, int] | None = None,
) -> ListVersion:
    """Summarise a load: counts per kind, aliases, digest over (external_id, content_hash)."""
    pairs = sorted((e.external_id, e.content_hash) for e in entries)
    digest = hashlib.sha256("\n".join(f"{i}\t{h}" for i, h in pairs).encode()).hexdigest()
    return ListVersion(
        source=source,
        published=published,
        entry_count=len(entries),
        counts_by_kind=dict(Counter(str(e.kind) for e in entries)),
        alias_count=sum(len(e.aliases) for e in entries),
        digest=digest,
        orphans=orphans or OrphanReport(),
        problems=tuple(problems),
        unmapped_countries=tuple(sorted(unmapped)),
        file_rows=file_rows or {"main": len(entries)},
    )


# --------------------------------------------------------------------------------------------
# OFAC legacy CSV
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _OfacSide:
    """Rows of the side files, gathered per ``ent_num`` of the main file."""

    aliases: dict[str, list[Alias]] = field(default_factory=dict)
    addresses: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    extra_remarks: dict[str, str] = field(default_factory=dict)
    orphans: list[OrphanRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rows: Counter[str] = field(default_factory=Counter)


def _read_main(text: str, problems: list[str]) -> dict[str, list[str | None]]:
    """``ent_num`` -> the 12 cleaned fields, in file order; bad rows reported and skipped."""
    rows: dict[str, list[str | None]] = {}
    for line, raw in _csv_rows(text):
        fields = [_value(cell) for cell in raw]
        ent_num = fields[0]
        if len(fields) != _OFAC_MAIN_COLUMNS or not ent_num or not fields[1]:
            problems.append(f"main file line {line}: expected 12 fields with an id and a name")
        elif ent_num in rows:
            problems.append(f"main file line {line}: duplicate ent_num {ent_num}")
        else:
            rows[ent_num] = fields
    return rows


def _side_rows(
    text: str | None, kind: str, known: dict[str, list[str | None]], side: _OfacSide
) -> Iterator[list[str | None]]:
    """Valid rows of one side file whose ``ent_num`` is known; orphans recorded in ``side``."""
    if not text:
        return
    for line, raw in _csv_rows(text):
        if kind == "comments":  # the remark continuation must keep its spaces
            fields: list[str | None] = [_value(raw[0]), raw[1] if len(raw) > 1 else None]
        else:
            fields = [_value(cell) for cell in raw]
        if len(raw) != _OFAC_SIDE_COLUMNS[kind] or not fields[0]:
            side.problems.append(f"{kind} file line {line}: malformed row")
            continue
        side.rows[kind] += 1
        ent_num = fields[0]
        if ent_num not in known:
            row_id = fields[1] if kind != "comments" else None
            side.orphans.append(OrphanRow(kind, ent_num, row_id))
            continue
        yield fields


def _read_side(
    known: dict[str, list[str | None]],
    alt: str | None,
    add: str | None,
    comments: str | None,
) -> _OfacSide:
    """Attach alt names, addresses and remark continuations to the main rows."""
    side = _OfacSide()
    for ent, alt_num, alt_type, alt_name, _remarks in _side_rows(alt, "alt", known, side):
        if ent and alt_name:
            alias = Alias(alt_name, "good", (alt_type or "aka").lower(), ref=alt_num)
            side.aliases.setdefault(ent, []).append(alias)
    for ent, _add_num, street, city, country, add_remarks in _side_rows(add, "add", known, side):
        text = ", ".join(p for p in (street, city, country, add_remarks) if p)
        if ent and text:
            side.addresses.setdefault(ent, []).append((text, country))
    for ent, extra in _side_rows(comments, "comments", known, side):
        if ent and extra:
            side.extra_remarks[ent] = side.extra_remarks.get(ent, "") + extra
    return side


def _programs(value: str | None) -> tuple[str, ...]:
    """``"SDNTK] [FTO] [SDGT"`` -> ``("SDNTK", "FTO", "SDGT")``."""
    if not value:
        return ()
    return _unique(part.strip(" []") for part in value.split("] ["))


def _split_person(name: str) -> tuple[str | None, str | None]:
    """``"NORIEGA, Manuel Antonio"`` -> (given ``"Manuel Antonio"``, family ``"NORIEGA"``)."""
    if "," not in name:
        return None, None
    family, given = (part.strip() for part in name.split(",", 1))
    return (given or None), (family or None)


def _ofac_entry(
    source: str, fields: list[str | None], side: _OfacSide, countries: _Countries
) -> tuple[ListEntry, list[str]]:
    """Build one entry from a main row and its side rows; returns remark problems too."""
    ent_num, name = fields[0] or "", fields[1] or ""
    kind = _OFAC_KINDS.get((fields[2] or "").lower(), EntryKind.ENTITY)
    remarks = (fields[11] or "") + side.extra_remarks.get(ent_num, "")
    info = parse_remarks(remarks)
    given, family = _split_person(name) if kind is EntryKind.INDIVIDUAL else (None, None)
    aliases = list(side.aliases.get(ent_num, []))
    aliases += [Alias(alias, "low", alias_type) for alias, alias_type in info.aliases]
    documents = tuple(
        Document(doc_type, number, countries.iso(country), country, note)
        for doc_type, number, country, note in info.documents
    )
    addresses = tuple(
        Address(text, countries.iso(country), country)
        for text, country in side.addresses.get(ent_num, [])
    )
    nationalities = _unique(countries.iso(n) for n in info.nationality_names)
    birth_countries = [countries.of_place(p) for p in info.places_of_birth]
    flag = countries.iso(fields[9])
    details = tuple(
        (label, value)
        for label, value in zip(_VESSEL_DETAILS, (fields[4], *fields[5:10]), strict=True)
        if value
    )
    if fields[10]:
        details += (("vessel_owner", fields[10]),)
    entry = ListEntry(
        source=source,
        external_id=ent_num,
        kind=kind,
        name=name,
        aliases=tuple(aliases),
        given_name=given,
        family_name=family,
        dates_of_birth=tuple(info.dates_of_birth),
        places_of_birth=tuple(info.places_of_birth),
        nationalities=nationalities,
        nationality_names=tuple(info.nationality_names),
        countries=_unique(
            [*nationalities, *birth_countries, *(d.country for d in documents)]
            + [a.country for a in addresses]
            + [flag]
        ),
        documents=documents,
        addresses=addresses,
        programs=_programs(fields[3]),
        remarks=remarks,
        gender=info.gender,
        details=details,
    )
    return entry, [f"entry {ent_num}: {p}" for p in info.problems]


def parse_ofac(
    main: bytes | str,
    *,
    alt: bytes | str | None = None,
    add: bytes | str | None = None,
    comments: bytes | str | None = None,
    source: str = Source.OFAC_SDN,
    published: datetime.datetime | None = None,
) -> LoadedList:
    """Parse the four OFAC legacy CSV files (given as bytes or text; only ``main`` needed).

    The legacy files carry no publication date; pass ``published`` when it is known (for
    example from the HTTP ``Last-Modified`` header of the download).
    """
    problems: list[str] = []
    rows = _read_main(_decode(main), problems)
    if not rows:
        raise ListFormatError("no OFAC records found: is this an OFAC legacy CSV main file?")
    side = _read_side(
        rows,
        _decode(alt) if alt is not None else None,
        _decode(add) if add is not None else None,
        _decode(comments) if comments is not None else None,
    )
    countries = _Countries()
    entries = []
    for fields in rows.values():
        entry, entry_problems = _ofac_entry(str(source), fields, side, countries)
        entries.append(entry)
        problems += entry_problems
    version = _version(
        str(source),
        entries,
        published=published,
        orphans=OrphanReport(tuple(side.orphans)),
        problems=problems + side.problems,
        unmapped=countries.unmapped,
        file_rows={"main": len(rows), **side.rows},
    )
    return LoadedList(version, tuple(entries))


def load_ofac(
    directory: str | Path,
    *,
    source: str | None = None,
    published: datetime.datetime | None = None,
) -> LoadedList:
    """Load an OFAC list from a folder holding its files (see :data:`OFAC_FILES`).

    ``source`` defaults to whichever list's main file is present (``sdn.csv`` ->
    ``ofac_sdn``, ``cons_prim.csv`` -> ``ofac_cons``). Missing side files are allowed.
    """
    folder = Path(directory)
    if source is None:
        found = [s for s, names in OFAC_FILES.items() if (folder / names[0]).is_file()]
        if len(found) != 1:
            raise ListFormatError(f"{folder}: expected exactly one of sdn.csv or cons_prim.csv")
        source = found[0]
    names = OFAC_FILES[Source(source)]

    def read(name: str) -> bytes | None:
        path = folder / name
        return path.read_bytes() if path.is_file() else None

    main = read(names[0])
    if main is None:
        raise ListFormatError(f"{folder / names[0]} not found")
    return parse_ofac(
        main,
        alt=read(names[1]),
        add=read(names[2]),
        comments=read(names[3]),
        source=source,
        published=published,
    )


# --------------------------------------------------------------------------------------------
# UN consolidated list XML
# --------------------------------------------------------------------------------------------


def _text(element: ET.Element | None, tag: str) -> str | None:
    """Stripped text of the first ``tag`` child, ``None`` when absent or empty."""
    if element is None:
        return None
    child = element.find(tag)
    if child is None or child.text is None:
        return None
    text = " ".join(child.text.split())
    return text or None


def _values(element: ET.Element, tag: str) -> list[str]:
    """Texts of ``<tag><VALUE>..</VALUE>...</tag>`` children, empty ones dropped."""
    return [
        " ".join(v.text.split())
        for container in element.findall(tag)
        for v in container.findall("VALUE")
        if v.text and v.text.strip()
    ]


def _iso_date(value: str | None, problems: list[str], where: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        problems.append(f"{where}: unreadable date {value!r}")
        return None


def _un_birth_date(node: ET.Element, problems: list[str], where: str) -> BirthDate | None:
    """One ``INDIVIDUAL_DATE_OF_BIRTH``: EXACT / APPROXIMATELY / BETWEEN (None if empty)."""
    kind = (_text(node, "TYPE_OF_DATE") or "").upper()
    approximate = kind == "APPROXIMATELY"
    text = " ".join(t for t in (_text(node, c) for c in ("DATE", "YEAR", "FROM_YEAR")) if t)
    try:
        if kind == "BETWEEN" or _text(node, "FROM_YEAR"):
            low, high = int(_text(node, "FROM_YEAR") or ""), int(_text(node, "TO_YEAR") or "")
            return BirthDate("range", year_from=low, year_to=high, approximate=approximate)
        if date_text := _text(node, "DATE"):
            date = datetime.date.fromisoformat(date_text[:10])
            if approximate:
                return BirthDate("year", year=date.year, approximate=True, text=date_text)
            return BirthDate("date", date=date, year=date.year, month=date.month)
        if year := _text(node, "YEAR"):
            return BirthDate("year", year=int(year), approximate=approximate)
    except ValueError:
        problems.append(f"{where}: unreadable date of birth {text!r}")
    return None


def _alias_birth_dates(value: str | None, problems: list[str], where: str) -> tuple[BirthDate, ...]:
    """An alias's own ``DATE_OF_BIRTH``: a full date or just a year."""
    if value and re.fullmatch(r"\d{4}", value):
        return (BirthDate("year", year=int(value)),)
    date = _iso_date(value, problems, where)
    return (BirthDate("date", date=date, year=date.year, month=date.month),) if date else ()


def _un_aliases(node: ET.Element, tag: str, problems: list[str], where: str) -> list[Alias]:
    """Non-empty aliases; ``Low`` quality kept as ``low``, UN entity ``f.k.a.`` as ``fka``."""
    aliases = []
    for alias in node.findall(tag):
        name = _text(alias, "ALIAS_NAME")
        if not name:
            continue
        quality = (_text(alias, "QUALITY") or "").lower().replace(".", "")
        alias_type = quality if quality in ("aka", "fka", "nka") else "aka"
        dobs = _alias_birth_dates(_text(alias, "DATE_OF_BIRTH"), problems, where)
        aliases.append(
            Alias(name, "low" if quality == "low" else "good", alias_type, dates_of_birth=dobs)
        )
    return aliases


def _un_place(node: ET.Element, fields: Sequence[str]) -> str:
    return ", ".join(p for p in (_text(node, f) for f in fields) if p)


def _un_documents(node: ET.Element, countries: _Countries) -> list[Document]:
    """``INDIVIDUAL_DOCUMENT`` elements with a number (type, number, issuing country)."""
    documents = []
    for d in node.findall("INDIVIDUAL_DOCUMENT"):
        number = _text(d, "NUMBER")
        if not number:
            continue
        country = _text(d, "ISSUING_COUNTRY") or _text(d, "COUNTRY_OF_ISSUE")
        doc_type = " ".join(
            t for t in (_text(d, "TYPE_OF_DOCUMENT"), _text(d, "TYPE_OF_DOCUMENT2")) if t
        )
        note = "; ".join(t for t in (_text(d, "DATE_OF_ISSUE"), _text(d, "NOTE")) if t) or None
        documents.append(Document(doc_type, number, countries.iso(country), country, note))
    return documents


def _un_addresses(node: ET.Element, prefix: str, countries: _Countries) -> list[Address]:
    """Non-empty ``INDIVIDUAL_ADDRESS`` / ``ENTITY_ADDRESS`` elements."""
    address_fields = ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY", "NOTE")
    return [
        Address(text, countries.iso(_text(a, "COUNTRY")), _text(a, "COUNTRY"))
        for a in node.findall(f"{prefix}_ADDRESS")
        if (text := _un_place(a, address_fields))
    ]


def _un_details(node: ET.Element) -> tuple[tuple[str, str], ...]:
    """Titles, designations, list type and update dates as (label, value) pairs."""
    labels = (
        ("title", "TITLE"),
        ("designation", "DESIGNATION"),
        ("list_type", "LIST_TYPE"),
        ("last_updated", "LAST_DAY_UPDATED"),
    )
    return tuple((label, value) for label, tag in labels for value in _values(node, tag))


def _un_entry(
    node: ET.Element, kind: EntryKind, countries: _Countries
) -> tuple[ListEntry, list[str]]:
    """Build one entry from an ``INDIVIDUAL`` or ``ENTITY`` element."""
    problems: list[str] = []
    data_id = _text(node, "DATAID") or ""
    where = f"DATAID {data_id}"
    prefix = "INDIVIDUAL" if kind is EntryKind.INDIVIDUAL else "ENTITY"
    name_tags = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
    parts = tuple(p for p in (_text(node, t) for t in name_tags) if p)
    nationality_names = [n for n in _values(node, "NATIONALITY") if n.lower() not in _NOT_A_COUNTRY]
    nationalities = _unique(countries.iso(n) for n in nationality_names)
    births = [
        b
        for d in node.findall("INDIVIDUAL_DATE_OF_BIRTH")
        if (b := _un_birth_date(d, problems, where)) is not None
    ]
    places = [
        (_un_place(p, ("CITY", "STATE_PROVINCE", "COUNTRY")), _text(p, "COUNTRY"))
        for p in node.findall("INDIVIDUAL_PLACE_OF_BIRTH")
    ]
    documents = _un_documents(node, countries)
    addresses = _un_addresses(node, prefix, countries)
    entry = ListEntry(
        source=str(Source.UN),
        external_id=data_id,
        kind=kind,
        name=" ".join(parts),
        aliases=tuple(_un_aliases(node, f"{prefix}_ALIAS", problems, where)),
        name_parts=parts,
        original_script_name=_text(node, "NAME_ORIGINAL_SCRIPT"),
        dates_of_birth=tuple(births),
        places_of_birth=tuple(p for p, _ in places if p),
        nationalities=nationalities,
        nationality_names=tuple(nationality_names),
        countries=_unique(
            [*nationalities, *(countries.iso(c) for _, c in places)]
            + [d.country for d in documents]
            + [a.country for a in addresses]
        ),
        documents=tuple(documents),
        addresses=tuple(addresses),
        programs=_unique([_text(node, "UN_LIST_TYPE")]),
        remarks=" ".join((_text(node, "COMMENTS1") or "").split()),
        reference=_text(node, "REFERENCE_NUMBER"),
        listed_on=_iso_date(_text(node, "LISTED_ON"), problems, where),
        version=_text(node, "VERSIONNUM"),
        gender=(_text(node, "GENDER") or "").lower() or None,
        details=_un_details(node),
    )
    return entry, problems


def _published(root: ET.Element) -> datetime.datetime | None:
    """``dateGenerated="2026-02-27T00:00:09.554Z"`` as an aware datetime (None if absent)."""
    raw = root.get("dateGenerated")
    if not raw:
        return None
    try:
        return datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_un_xml(data: bytes, *, source: str = Source.UN) -> LoadedList:
    """Parse the UN consolidated list XML (bytes as downloaded)."""
    try:
        root = parse_xml_bytes(data)
    except (ET.ParseError, UnsafeXMLError) as exc:
        raise ListFormatError(f"not a readable UN consolidated list: {exc}") from exc
    if root.tag != "CONSOLIDATED_LIST":
        raise ListFormatError(f"root element is <{root.tag}>, expected <CONSOLIDATED_LIST>")
    countries = _Countries()
    entries: list[ListEntry] = []
    problems: list[str] = []
    for path, kind in (
        ("INDIVIDUALS/INDIVIDUAL", EntryKind.INDIVIDUAL),
        ("ENTITIES/ENTITY", EntryKind.ENTITY),
    ):
        for node in root.findall(path):
            entry, entry_problems = _un_entry(node, kind, countries)
            problems += entry_problems
            if not entry.external_id or not entry.name:
                problems.append(f"{kind} without DATAID or name skipped")
                continue
            entries.append(entry)
    version = _version(
        str(source),
        entries,
        published=_published(root),
        problems=problems,
        unmapped=countries.unmapped,
    )
    return LoadedList(version, tuple(entries))


def load_un_xml(path: str | Path) -> LoadedList:
    """Load the UN consolidated list from a file."""
    return parse_un_xml(Path(path).read_bytes())


# --------------------------------------------------------------------------------------------
# In-house / PEP CSV
# --------------------------------------------------------------------------------------------

_RANGE_RE = re.compile(r"^(\d{4})\s*(?:-|to)\s*(\d{4})$")


def _split_multi(value: str | None) -> list[str]:
    """``"a | b|"`` -> ``["a", "b"]``."""
    return [part.strip() for part in (value or "").split("|") if part.strip()]


def _inhouse_birth_date(value: str) -> BirthDate:
    """``YYYY-MM-DD``, ``YYYY``, ``circa YYYY`` or ``YYYY-YYYY``; ``ValueError`` otherwise."""
    text = value.strip()
    approximate = text.lower().startswith(("circa ", "c. ", "approx "))
    if approximate:
        text = text.split(" ", 1)[1].strip()
    if m := _RANGE_RE.match(text):
        low, high = int(m.group(1)), int(m.group(2))
        if low > high:
            raise ValueError(value)
        return BirthDate("range", year_from=low, year_to=high, approximate=approximate, text=value)
    if re.fullmatch(r"\d{4}", text):
        return BirthDate("year", year=int(text), approximate=approximate, text=value)
    date = datetime.date.fromisoformat(text)
    return BirthDate("date", date=date, year=date.year, month=date.month, text=value)


def _inhouse_entry(
    source: str, row: dict[str, str | None], line: int, countries: _Countries
) -> tuple[ListEntry | None, list[str]]:
    """One CSV row -> entry, or ``None`` with the reason when the row is unusable."""
    external_id, name = (row.get("id") or "").strip(), (row.get("name") or "").strip()
    if not external_id or not name:
        return None, [f"line {line}: id and name are required"]
    kind = _INHOUSE_KINDS.get((row.get("type") or "individual").strip().lower())
    if kind is None:
        return None, [f"line {line}: unknown type {row.get('type')!r}"]
    problems, births = [], []
    for value in _split_multi(row.get("date_of_birth")):
        try:
            births.append(_inhouse_birth_date(value))
        except ValueError:
            problems.append(f"line {line}: unreadable date of birth {value!r} ignored")
    nationality_names = _split_multi(row.get("nationality"))
    nationalities = _unique(countries.iso(n) for n in nationality_names)
    programs = [p.strip() for p in re.split(r"[|;]", row.get("program") or "") if p.strip()]
    entry = ListEntry(
        source=source,
        external_id=external_id,
        kind=kind,
        name=name,
        aliases=tuple(Alias(a) for a in _split_multi(row.get("aliases"))),
        dates_of_birth=tuple(births),
        nationalities=nationalities,
        nationality_names=tuple(nationality_names),
        countries=nationalities,
        programs=_unique(programs),
        remarks=(row.get("remarks") or "").strip(),
    )
    return entry, problems


def parse_inhouse_csv(
    data: bytes | str,
    *,
    source: str = Source.INHOUSE,
    published: datetime.datetime | None = None,
) -> LoadedList:
    """Parse an in-house or PEP list CSV (see :data:`INHOUSE_COLUMNS`; ``id`` and ``name``
    are required columns, the others optional; extra columns are ignored)."""
    text = _decode(data)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if not {"id", "name"} <= set(header):
        raise ListFormatError(
            f"the CSV header must include id and name (expected {','.join(INHOUSE_COLUMNS)})"
        )
    reader.fieldnames = header
    countries = _Countries()
    entries: dict[str, ListEntry] = {}
    problems: list[str] = []
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        entry, row_problems = _inhouse_entry(str(source), row, reader.line_num, countries)
        problems += row_problems
        if entry is not None and entry.external_id in entries:
            problems.append(f"line {reader.line_num}: duplicate id {entry.external_id} skipped")
        elif entry is not None:
            entries[entry.external_id] = entry
    items = list(entries.values())
    version = _version(
        str(source), items, published=published, problems=problems, unmapped=countries.unmapped
    )
    return LoadedList(version, tuple(items))


def load_inhouse_csv(path: str | Path, *, source: str = Source.INHOUSE) -> LoadedList:
    """Load an in-house or PEP list CSV from a file."""
    return parse_inhouse_csv(Path(path).read_bytes(), source=source)


# --------------------------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------------------------


def load_list(source: str, path: str | Path) -> LoadedList:
    """Load any supported list: OFAC sources from a folder, ``un`` and others from a file.

    Any source that is not OFAC or UN is read as an in-house CSV under that source name
    (so ``pep`` or ``inhouse_pep`` work too).
    """
    if source in OFAC_FILES:
        return load_ofac(path, source=source)
    if source == Source.UN:
        return load_un_xml(path)
    return load_inhouse_csv(path, source=source)
