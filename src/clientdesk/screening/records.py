"""The normalized shape every list loader produces.

A :class:`ListEntry` is one designated person, entity, vessel or aircraft, whatever file it
came from. Entries are frozen; their ``content_hash`` is the SHA-256 of a canonical JSON form
of every other field, so two loads of an unchanged record give the same hash and any change
to a name, alias, date, country, program or remark gives a different one. The Django layer
stores the hash beside each hit: a dismissed hit is raised again only when it changes.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Address",
    "Alias",
    "BirthDate",
    "Document",
    "EntryKind",
    "ListEntry",
    "ListVersion",
    "LoadedList",
    "OrphanReport",
    "OrphanRow",
    "Source",
]


class Source(enum.StrEnum):
    """Where a list comes from; the value is stored by the Django layer."""

    OFAC_SDN = "ofac_sdn"
    OFAC_CONS = "ofac_cons"
    UN = "un"
    INHOUSE = "inhouse"


class EntryKind(enum.StrEnum):
    """What a list entry designates."""

    INDIVIDUAL = "individual"
    ENTITY = "entity"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"


@dataclass(frozen=True, slots=True)
class Alias:
    """Another name of an entry.

    ``quality`` is ``"good"`` (OFAC alt.csv rows, UN ``Good`` and entity aliases, in-house
    aliases) or ``"low"`` (OFAC weak a.k.a. names written inline in the remarks, UN ``Low``).
    ``alias_type`` is ``aka``, ``fka`` or ``nka``. UN aliases may carry their own date of
    birth, kept in ``dates_of_birth``.
    """

    name: str
    quality: str = "good"
    alias_type: str = "aka"
    ref: str | None = None
    dates_of_birth: tuple[BirthDate, ...] = ()


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A published date of birth, at the precision it was published.

    Exactly one shape is filled: ``date`` (a full date; ``precision == "date"``), ``year``
    (``precision`` ``"year"`` or ``"month"`` with ``month`` set), or ``year_from`` and
    ``year_to`` (``precision == "range"``, inclusive). ``approximate`` marks "circa" /
    ``APPROXIMATELY``.
    """

    precision: str
    date: datetime.date | None = None
    year: int | None = None
    month: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    approximate: bool = False
    text: str = ""

    def year_distance(self, year: int) -> int:
        """Years between ``year`` and this date (0 when inside a range)."""
        if self.precision == "range":
            low, high = self.year_from or 0, self.year_to or 0
            return 0 if low <= year <= high else min(abs(year - low), abs(year - high))
        own = self.date.year if self.date else (self.year or 0)
        distance = abs(year - own)
        return max(distance - 1, 0) if self.approximate else distance

    def describe(self) -> str:
        """Human form, e.g. ``"1952-11-23"``, ``"1965 (approx.)"``, ``"1973-1974"``."""
        if self.precision == "range":
            text = f"{self.year_from}-{self.year_to}"
        elif self.date is not None:
            text = self.date.isoformat()
        elif self.month is not None:
            text = f"{self.year}-{self.month:02d}"
        else:
            text = str(self.year)
        return f"{text} (approx.)" if self.approximate else text


@dataclass(frozen=True, slots=True)
class Document:
    """An identity or registration document number quoted on the list."""

    doc_type: str
    number: str
    country: str | None = None
    country_name: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Address:
    """A published address; ``country`` is ISO 3166 alpha-2 when the name is known."""

    text: str
    country: str | None = None
    country_name: str | None = None


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One designated party in normalized form (see the module docstring).

    ``name`` is the primary name as published (OFAC individuals: ``"SURNAME, Given
    Names"``); ``given_name`` / ``family_name`` are filled where the publisher separates them.
    ``nationalities`` and ``countries`` hold ISO 3166 alpha-2 codes only; the published
    country names are in ``nationality_names``. ``countries`` gathers every country the
    record mentions (addresses, birth places, documents, flags).
    """

    source: str
    external_id: str
    kind: EntryKind
    name: str
    aliases: tuple[Alias, ...] = ()
    given_name: str | None = None
    family_name: str | None = None
    name_parts: tuple[str, ...] = ()
    original_script_name: str | None = None
    dates_of_birth: tuple[BirthDate, ...] = ()
    places_of_birth: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()
    nationality_names: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    documents: tuple[Document, ...] = ()
    addresses: tuple[Address, ...] = ()
    programs: tuple[str, ...] = ()
    remarks: str = ""
    reference: str | None = None
    listed_on: datetime.date | None = None
    version: str | None = None
    gender: str | None = None
    details: tuple[tuple[str, str], ...] = ()
    content_hash: str = field(default="", init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "content_hash", _hash_record(self))

    @property
    def key(self) -> tuple[str, str]:
        """``(source, external_id)``: unique within a list version."""
        return (self.source, self.external_id)

    def all_names(self) -> Iterator[tuple[str, Alias | None]]:
        """The primary name (with ``None``) then each alias."""
        yield self.name, None
        for alias in self.aliases:
            yield alias.name, alias

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO strings), e.g. for a JSONField snapshot."""
        data: dict[str, Any] = json.loads(_canonical_json(self))
        data["content_hash"] = self.content_hash
        return data


def _canonical_json(entry: ListEntry) -> str:
    """Sorted-key JSON of every field but the hash; dates ISO, enums by value."""
    data = dataclasses.asdict(entry)
    data.pop("content_hash", None)
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _hash_record(entry: ListEntry) -> str:
    return hashlib.sha256(_canonical_json(entry).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class OrphanRow:
    """A row of a side file (alt, add, comments) whose ``ent_num`` is not in the main file."""

    file: str
    ent_num: str
    row_id: str | None = None


@dataclass(frozen=True, slots=True)
class OrphanReport:
    """Orphan rows skipped while loading an OFAC list."""

    rows: tuple[OrphanRow, ...] = ()

    @property
    def count(self) -> int:
        return len(self.rows)

    def ids(self, file: str | None = None) -> list[str]:
        """``"ent_num/row_id"`` labels (just ``ent_num`` for comments), optionally per file."""
        return [
            f"{row.ent_num}/{row.row_id}" if row.row_id else row.ent_num
            for row in self.rows
            if file is None or row.file == file
        ]

    def summary(self) -> str:
        """One line for a log or the load report."""
        if not self.rows:
            return "no orphan rows"
        files = sorted({row.file for row in self.rows})
        parts = [f"{f}: {', '.join(self.ids(f))}" for f in files]
        return f"{self.count} orphan rows skipped ({'; '.join(parts)})"


@dataclass(frozen=True, slots=True)
class ListVersion:
    """What one load of a list contained.

    ``digest`` is the SHA-256 over the sorted ``(external_id, content_hash)`` pairs: two loads
    with the same digest hold the same records, so re-screening can be skipped.
    ``problems`` lists rows that were skipped or values that could not be read (never fatal);
    ``file_rows`` counts the well-formed records read per file (OFAC: main, alt, add,
    comments), orphans included.
    """

    source: str
    published: datetime.datetime | None
    entry_count: int
    counts_by_kind: dict[str, int]
    alias_count: int
    digest: str
    orphans: OrphanReport = OrphanReport()
    problems: tuple[str, ...] = ()
    unmapped_countries: tuple[str, ...] = ()
    file_rows: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LoadedList:
    """A loader's result: the version summary and its entries, in file order."""

    version: ListVersion
    entries: tuple[ListEntry, ...]

    def __iter__(self) -> Iterator[ListEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def by_id(self) -> dict[str, ListEntry]:
        """Entries keyed by ``external_id``."""
        return {entry.external_id: entry for entry in self.entries}
