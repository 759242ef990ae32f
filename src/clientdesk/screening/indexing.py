"""The in-memory screening index of the current list versions, built once per process.

The index is rebuilt when the set of current versions changes (one small query per
screening tells). Entries come back from the stored ``ListEntryRecord.data`` (the loader's
``ListEntry.to_dict()``), so screening never re-reads list files.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .matching import ScoringPolicy, ScreeningIndex
from .records import Address, Alias, BirthDate, Document, EntryKind, ListEntry


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _birth(data: dict[str, Any]) -> BirthDate:
    return BirthDate(**{**data, "date": _date(data.get("date"))})


def entry_from_dict(data: dict[str, Any]) -> ListEntry:
    """The inverse of ``ListEntry.to_dict()`` (the content hash comes out the same)."""
    fields = {k: v for k, v in data.items() if k != "content_hash"}
    tuples = (
        "name_parts",
        "places_of_birth",
        "nationalities",
        "nationality_names",
        "countries",
        "programs",
    )
    for name in tuples:
        fields[name] = tuple(fields.get(name) or ())
    fields["kind"] = EntryKind(fields["kind"])
    fields["aliases"] = tuple(
        Alias(**{**a, "dates_of_birth": tuple(_birth(b) for b in a.get("dates_of_birth") or ())})
        for a in fields.get("aliases") or ()
    )
    fields["dates_of_birth"] = tuple(_birth(b) for b in fields.get("dates_of_birth") or ())
    fields["documents"] = tuple(Document(**d) for d in fields.get("documents") or ())
    fields["addresses"] = tuple(Address(**a) for a in fields.get("addresses") or ())
    fields["details"] = tuple(tuple(pair) for pair in fields.get("details") or ())
    fields["listed_on"] = _date(fields.get("listed_on"))
    return ListEntry(**fields)


def policy() -> ScoringPolicy:
    return ScoringPolicy(threshold=float(settings.SCREENING_THRESHOLD))


@dataclass
class Loaded:
    """The index plus, per indexed entry, where it is stored: [(list id, record id)].

    Keyed by ``(source, external_id, content_hash)``, not by object: matches from the
    forked workers of ``screen_many`` come back as copies. The same record loaded under two
    lists is stored twice and so has two places.
    """

    key: tuple[int, ...]
    index: ScreeningIndex
    stored: dict[tuple[str, str, str], list[tuple[int, int]]]
    labels: list[str]

    def where(self, entry: ListEntry) -> list[tuple[int, int]]:
        return self.stored[(entry.source, entry.external_id, entry.content_hash)]


_lock = threading.Lock()
_cache: dict[str, Loaded] = {}


def current_versions() -> list[Any]:
    from .models import ListVersion

    return list(
        ListVersion.objects.filter(is_current=True, screening_list__is_active=True)
        .select_related("screening_list")
        .order_by("id")
    )


def current_index() -> Loaded:
    """The index of every active list's current version (built or reused)."""
    versions = current_versions()
    key = tuple(v.pk for v in versions)
    cached = _cache.get("current")
    if cached is not None and cached.key == key:
        return cached
    with _lock:
        cached = _cache.get("current")
        if cached is None or cached.key != key:
            cached = _build(key, versions)
            _cache["current"] = cached
    return cached


def _build(key: tuple[int, ...], versions: list[Any]) -> Loaded:
    from .models import ListEntryRecord

    entries: list[ListEntry] = []
    stored: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    list_of = {v.pk: v.screening_list_id for v in versions}
    rows = ListEntryRecord.objects.filter(version_id__in=key).values_list(
        "id", "version_id", "data"
    )
    for record_id, version_id, data in rows.iterator(chunk_size=5000):
        entry = entry_from_dict(data)
        places = stored.setdefault((entry.source, entry.external_id, entry.content_hash), [])
        if not places:  # index each distinct record once; hits go to every list holding it
            entries.append(entry)
        places.append((list_of[version_id], record_id))
    labels = [str(v) for v in versions]
    return Loaded(key, ScreeningIndex(entries, policy()), stored, labels)


def clear() -> None:
    """Forget the cached index (tests; a settings change)."""
    _cache.clear()
