"""Sanctions and PEP list screening: list loaders and an explainable fuzzy name matcher.

Pure Python, no models: the Django layer stores list versions, entries and hits, and calls
this package to read list files and to screen customers.

Typical use::

    from clientdesk.screening import ScreeningIndex, load_list

    loaded = load_list("ofac_sdn", "/path/to/folder")          # or "un", "inhouse"
    loaded.version.digest, loaded.version.orphans.summary()      # store with the version
    index = ScreeningIndex(loaded.entries)                        # once per list version
    for match in index.screen("Mohammed Ali", dob=date(1970, 1, 1), nationality="IN"):
        match.score, match.reasons(), match.content_hash          # store with the hit
"""

from clientdesk.screening.loaders import (
    ListFormatError,
    load_inhouse_csv,
    load_list,
    load_ofac,
    load_un_xml,
    parse_inhouse_csv,
    parse_ofac,
    parse_un_xml,
)
from clientdesk.screening.matching import (
    DEFAULT_THRESHOLD,
    Adjustment,
    Match,
    NameComparison,
    ScoringPolicy,
    ScreeningIndex,
    ScreeningSubject,
    TokenMatch,
    compare_names,
)
from clientdesk.screening.records import (
    Alias,
    BirthDate,
    EntryKind,
    ListEntry,
    ListVersion,
    LoadedList,
    OrphanReport,
    Source,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "Adjustment",
    "Alias",
    "BirthDate",
    "EntryKind",
    "ListEntry",
    "ListFormatError",
    "ListVersion",
    "LoadedList",
    "Match",
    "NameComparison",
    "OrphanReport",
    "ScoringPolicy",
    "ScreeningIndex",
    "ScreeningSubject",
    "Source",
    "TokenMatch",
    "compare_names",
    "load_inhouse_csv",
    "load_list",
    "load_ofac",
    "load_un_xml",
    "parse_inhouse_csv",
    "parse_ofac",
    "parse_un_xml",
]
