"""Explainable fuzzy name screening against sanctions and PEP lists.

How a customer is compared with one name of a list entry (its primary name or an alias):

1. Both names become canonical tokens (:func:`~clientdesk.screening.normalize.name_tokens`:
   accents, honorifics, particles and legal forms gone; transliteration families unified).
2. Every customer token is paired with at most one list token, best pairs first (a greedy
   assignment, so word order never matters). A pair's similarity is 1.0 for the same
   canonical token (``Mohammed`` / ``Muhammad``, ``Aadhya`` / ``Adhya``), 0.92 for the same
   phonetic key, the rapidfuzz ratio (0.80-1.0) for close spellings starting with the same
   letter class, and 0.80 for an initial against a name starting with it (``M.`` /
   ``Muhammad``); anything else does not pair.
3. With ``S`` the sum of the pair similarities, ``n`` customer tokens and ``m`` list tokens,
   the coverage of each side is ``S/n`` and ``S/m``, and the **name score** is
   ``100 * (0.6 * better coverage + 0.4 * worse coverage)``. Extra middle names on one side
   cost a little (``Muhammad Ali`` / ``Muhammad Ali Hassan``: 86.7); a missing family name
   costs a lot (``Muhammad Hassan`` / ``Muhammad Ali``: 50).
4. The **score** is the name score plus adjustments (:class:`ScoringPolicy`, all points):

   ================================================  ======
   date of birth equals a listed full date            +5
   birth year equals a listed year (or is in range)   +2
   within 2 years of a listed date                    0
   more than 2 years from every listed date           -10
   nationality is one of the listed nationalities     +3
   entry lists nationalities, none is the customer's  -3
   matched name is a low-quality alias                -5
   ================================================  ======

   Nothing is adjusted when either side has no date of birth or no nationality. The score
   is clamped to 0-100; a hit is a score at or above the threshold (default 85, from
   settings in the Django layer). With these numbers an exact full-name match is always
   raised (at worst 100 - 10 - 3 = 87), with the contradicting DOB and nationality in its
   reasons; a partial name (86.7) drops out on a DOB mismatch; a name scoring 80 is raised
   only with an exact DOB and a matching nationality (88).

:class:`ScreeningIndex` makes this fast: an inverted index from canonical tokens to list
names, a per-token expansion (same token, same phonetic key, rapidfuzz within the same
first-letter class and length window) cached per distinct token, and a count filter: a
list name can only reach ``threshold - 3`` (the most a nationality adds) when enough of the
customer's tokens pair with it, or ``threshold - 8`` if it also lists the customer's birth
year (an index by year), so candidates come from intersections of the per-token posting
sets, never from a scan of the list. The tests check it against brute force.
:func:`compare_names` scores two names directly with the same rules (and the same numbers).
"""

from __future__ import annotations

import bisect
import datetime
import gc
import itertools
import multiprocessing
import signal
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from clientdesk.screening.countries import to_iso2
from clientdesk.screening.normalize import (
    canonical_token,
    first_class,
    phonetic_key,
    readings,
    written_tokens,
)
from clientdesk.screening.records import Alias, BirthDate, EntryKind, ListEntry

__all__ = [
    "DEFAULT_THRESHOLD",
    "Adjustment",
    "Match",
    "NameComparison",
    "ScoringPolicy",
    "ScreeningIndex",
    "ScreeningSubject",
    "TokenMatch",
    "compare_names",
    "country_code",
    "dob_adjustment",
    "dob_slip",
    "nationality_adjustment",
    "token_similarity",
]

#: The hit threshold used when settings do not say otherwise.
DEFAULT_THRESHOLD = 85.0

_MAX_COMBINATION_TOKENS = 8  # above this, the k-of-n filter counts instead of intersecting


@dataclass(frozen=True, slots=True)
class ScoringPolicy:
    """Every number the score uses (see the module docstring for their meaning)."""

    threshold: float = DEFAULT_THRESHOLD
    phonetic_similarity: float = 0.92
    fuzzy_cutoff: float = 0.80
    initial_similarity: float = 0.80
    reading_factor: float = 0.95
    better_side_weight: float = 0.6
    extra_word_weight: float = 0.5
    dob_exact: float = 5.0
    dob_year: float = 2.0
    dob_tolerance_years: int = 2
    dob_mismatch: float = -10.0
    dob_far_years: int = 5
    dob_contradiction: float = -30.0
    nationality_match: float = 3.0
    nationality_mismatch: float = -3.0
    low_quality_alias: float = -5.0

    @property
    def max_lift(self) -> float:
        """The most the adjustments can add to a name score."""
        return max(self.dob_exact, self.dob_year, 0.0) + max(self.nationality_match, 0.0)

    def name_score(self, total: float, n: int, m: int) -> float:
        """Name score for a summed pair similarity ``total`` between n and m tokens.

        ``100 * (0.6 * better coverage + 0.4 * worse coverage)``: the better coverage is
        ``total`` over the shorter name's words; the worse one is ``total`` over the longer
        name's words, where the first word the longer name has in addition counts half when
        the shorter name has two words or more (a dropped middle name costs 8 points, not 13)
        and every further one in full.
        """
        if not n or not m:
            return 0.0
        short, long = min(n, m), max(n, m)
        extra = long - short
        # a dropped *middle* name needs two names kept around it: a one-word name against
        # two words stays at 80 (Asha / Asha Verma)
        half = extra and short >= 2
        worse_words = short + (self.extra_word_weight + extra - 1 if half else extra)
        better, worse = total / short, total / worse_words
        weight = self.better_side_weight
        return 100.0 * (weight * better + (1.0 - weight) * worse)

    def required_pairs(self, n: int, m: int, needed: float) -> int | None:
        """Fewest pairs with which n and m tokens can reach ``needed`` (None: impossible)."""
        for count in range(1, min(n, m) + 1):
            if self.name_score(float(count), n, m) >= needed - 1e-9:
                return count
        return None


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------

_KIND_LABELS = {
    "exact": "same name",
    "spelling": "same name, spelling variant",
    "phonetic": "sounds the same",
    "fuzzy": "similar spelling",
    "initial": "initial",
    "romanisation": "same name in another romanisation or with its article joined",
    "romanisation_fuzzy": "another romanisation, similar spelling",
    "joined": "same name, written joined / split",
    "joined_phonetic": "written joined / split, sounds the same",
    "joined_fuzzy": "written joined / split, similar spelling",
    "joined_romanisation": "written joined / split, another romanisation",
    "joined_romanisation_fuzzy": "written joined / split, another romanisation, similar spelling",
}


@dataclass(frozen=True, slots=True)
class TokenMatch:
    """One paired token: the customer's word, the list's word, how and how well they match."""

    query_token: str
    list_token: str
    kind: str
    similarity: float

    def describe(self) -> str:
        """e.g. ``mohammed ~ muhammad (same name, spelling variant, 100%)``."""
        label = _KIND_LABELS.get(self.kind, self.kind)
        return f"{self.query_token} ~ {self.list_token} ({label}, {self.similarity:.0%})"


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A change to the name score and why (``factor``: dob, nationality, alias_quality)."""

    factor: str
    points: float
    detail: str


@dataclass(frozen=True, slots=True)
class NameComparison:
    """Result of comparing two names token by token."""

    score: float
    token_matches: tuple[TokenMatch, ...]
    unmatched_query: tuple[str, ...]
    unmatched_list: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """A list entry that scored at or above the threshold for one customer."""

    entry: ListEntry
    score: float
    name_score: float
    matched_name: str
    alias: Alias | None
    token_matches: tuple[TokenMatch, ...]
    unmatched_query: tuple[str, ...]
    unmatched_list: tuple[str, ...]
    adjustments: tuple[Adjustment, ...] = ()

    @property
    def source(self) -> str:
        return self.entry.source

    @property
    def external_id(self) -> str:
        return self.entry.external_id

    @property
    def content_hash(self) -> str:
        return self.entry.content_hash

    def reasons(self) -> list[str]:
        """Plain sentences for a compliance officer, in the order the score was built."""
        where = f"alias “{self.matched_name}”" if self.alias else f"name “{self.matched_name}”"
        if self.alias is not None and self.alias.quality == "low":
            where += " (low-quality alias)"
        lines = [f"Name score {self.name_score:.1f} against the listed {where}."]
        lines += [f"Matched {m.describe()}." for m in self.token_matches]
        if self.unmatched_query:
            lines.append(f"Not on the list name: {', '.join(self.unmatched_query)}.")
        if self.unmatched_list:
            lines.append(f"Only on the list name: {', '.join(self.unmatched_list)}.")
        lines += [f"{a.detail} ({a.points:+g})." for a in self.adjustments]
        lines.append(f"Score {self.score:.1f}.")
        return lines

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary to store with a hit (the entry by key and hash only)."""
        return {
            "source": self.source,
            "external_id": self.external_id,
            "content_hash": self.content_hash,
            "score": self.score,
            "name_score": self.name_score,
            "matched_name": self.matched_name,
            "alias_quality": self.alias.quality if self.alias else None,
            "token_matches": [
                {
                    "query": m.query_token,
                    "list": m.list_token,
                    "kind": m.kind,
                    "label": _KIND_LABELS.get(m.kind, m.kind),
                    "similarity": m.similarity,
                }
                for m in self.token_matches
            ],
            "adjustments": [
                {"factor": a.factor, "points": a.points, "detail": a.detail}
                for a in self.adjustments
            ],
            "reasons": self.reasons(),
        }


@dataclass(frozen=True, slots=True)
class ScreeningSubject:
    """One customer to screen in bulk; ``key`` is returned with the matches (e.g. the pk)."""

    key: Hashable
    name: str
    dob: datetime.date | int | None = None
    nationality: str | None = None
    kinds: frozenset[EntryKind] | None = None


# --------------------------------------------------------------------------------------------
# Token and name comparison
# --------------------------------------------------------------------------------------------


def _is_alpha(token: str) -> bool:
    return token.isascii() and token.isalpha()


#: Kinds in order of preference when two ways of pairing give the same similarity.
_KIND_RANK = {
    "exact": 0,
    "phonetic": 1,
    "fuzzy": 2,
    "romanisation": 3,
    "romanisation_fuzzy": 4,
    "initial": 5,
}


@dataclass(frozen=True, slots=True)
class _Forms:
    """The forms of one written token that pairs are looked for in (``rank`` 0: the token's
    own canonical spelling, raw spelling or sound key; 1: another romanisation's reading)."""

    canonical: str
    exact: tuple[tuple[str, int], ...]
    keys: tuple[tuple[str, int], ...]
    fuzzy: tuple[tuple[str, int], ...]
    initials: frozenset[str]


@lru_cache(maxsize=262144)
def _forms(written: str) -> _Forms:
    canonical = canonical_token(written)
    alternatives = readings(written)
    exact = ((canonical, 0), *((r, 1) for r in alternatives))
    keys: dict[str, int] = {}
    for form, rank in exact:
        keys.setdefault(phonetic_key(form), rank)
    fuzzy: dict[str, int] = {}
    for form, rank in (
        (canonical, 0),
        (written, 0),
        *((r, 1) for r in alternatives),
        *((k, 1) for k, _ in keys.items()),
    ):
        if len(form) >= 3 and _is_alpha(form):
            fuzzy.setdefault(form, rank)
    initials = frozenset(t[0] for t in (written, canonical) if t and _is_alpha(t))
    return _Forms(canonical, exact, tuple(keys.items()), tuple(fuzzy.items()), initials)


def _pair_value(
    kind0: str, ranks: tuple[int, int], value: float, policy: ScoringPolicy
) -> tuple[float, str]:
    """A pair found through forms of the given ranks: its similarity and kind."""
    if ranks == (0, 0):
        return value, kind0
    return value * policy.reading_factor, (
        "romanisation_fuzzy" if kind0 == "fuzzy" else "romanisation"
    )


#: Kinds with which a word written joined may pair with its split form (not a mere likeness).
_JOIN_KINDS = frozenset({"exact", "phonetic", "romanisation"})


def _better(a: tuple[float, str], b: tuple[float, str]) -> tuple[float, str]:
    """The better of two ways of pairing: higher similarity, then the preferred kind."""
    if b[0] > a[0] + 1e-12:
        return b
    if abs(b[0] - a[0]) <= 1e-12 and _KIND_RANK.get(b[1], 9) < _KIND_RANK.get(a[1], 9):
        return b
    return a


def token_similarity(a: str, b: str, policy: ScoringPolicy = ScoringPolicy()) -> tuple[float, str]:
    """``(similarity, kind)`` of two written (folded) tokens; ``(0.0, "")`` when they do not
    pair. The best of: the same canonical spelling (1.0), the same sound key (0.92), a close
    raw or canonical spelling (rapidfuzz ratio 0.80-1.0, same first-letter class), and the
    same through another romanisation's reading (:func:`~.normalize.readings`, times 0.95).

    Symmetric. The index computes exactly the same values through its expansions.
    """
    fa, fb = _forms(a), _forms(b)
    if fa.canonical == fb.canonical:
        return 1.0, "exact"
    if len(fa.canonical) == 1 or len(fb.canonical) == 1:
        if len(fa.canonical) == 1 and len(fb.canonical) == 1:
            return 0.0, ""
        if _is_alpha(fa.canonical) and _is_alpha(fb.canonical) and fa.initials & fb.initials:
            return policy.initial_similarity, "initial"
        return 0.0, ""
    best: tuple[float, str] = (0.0, "")
    for form, rank in fa.exact:
        for other, other_rank in fb.exact:
            if form == other:
                best = _better(best, _pair_value("exact", (rank, other_rank), 1.0, policy))
    for key, rank in fa.keys:
        for other, other_rank in fb.keys:
            if key == other:
                value = policy.phonetic_similarity
                best = _better(best, _pair_value("phonetic", (rank, other_rank), value, policy))
    cutoff = policy.fuzzy_cutoff * 100.0
    for form, rank in fa.fuzzy:
        for other, other_rank in fb.fuzzy:
            if form != other and first_class(form) == first_class(other):
                ratio = fuzz.ratio(form, other, score_cutoff=cutoff)
                if ratio:
                    pair = _pair_value("fuzzy", (rank, other_rank), ratio / 100.0, policy)
                    best = _better(best, pair)
    return best


def _greedy(pairs: list[tuple[float, int, int, str]]) -> list[tuple[float, int, int, str]]:
    """Greedy one-to-one pairing of ``(similarity, i, j, kind)``: best first, ties by position."""
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    used_i: set[int] = set()
    used_j: set[int] = set()
    chosen = []
    for pair in pairs:
        if pair[1] not in used_i and pair[2] not in used_j:
            used_i.add(pair[1])
            used_j.add(pair[2])
            chosen.append(pair)
    return chosen


def _explain(
    chosen: list[tuple[float, int, int, str]],
    query: Sequence[tuple[str, str]],
    listed: Sequence[tuple[str, str]],
) -> tuple[tuple[TokenMatch, ...], tuple[str, ...], tuple[str, ...]]:
    """Token matches in customer-word order, and the words left unpaired on each side."""
    matches = []
    for value, i, j, kind in sorted(chosen, key=lambda p: p[1]):
        q_written, l_written = query[i][0], listed[j][0]
        if " " in q_written or " " in l_written:
            kind = "joined" if kind == "exact" else f"joined_{kind}"
        elif kind == "exact" and q_written != l_written:
            kind = "spelling"
        matches.append(TokenMatch(q_written, l_written, kind, round(value, 3)))
    paired_i = {p[1] for p in chosen}
    paired_j = {p[2] for p in chosen}
    return (
        tuple(matches),
        tuple(w for k, (w, _) in enumerate(query) if k not in paired_i),
        tuple(w for k, (w, _) in enumerate(listed) if k not in paired_j),
    )


#: Two neighbouring words may have been written as one (Das Gupta / Dasgupta, Abu Bakr /
#: Abubakr, Xiao-ming / Xiaoming, Myong Ryong / Myongryong) when the shorter has at most
#: ``_JOIN_SHORT`` letters and both together at most ``_JOIN_LONGEST``.
_JOIN_SHORT = 6
_JOIN_LONGEST = 12
#: Names with more words than this are not rejoined (long company names).
_MAX_JOIN_TOKENS = 6

_Token = tuple[str, str]  # (shown to the officer, written form compared)


def _joinable(a: str, b: str) -> bool:
    return (
        _is_alpha(a)
        and _is_alpha(b)
        and len(a) >= 2
        and len(b) >= 2
        and min(len(a), len(b)) <= _JOIN_SHORT
        and len(a) + len(b) <= _JOIN_LONGEST
        and "abd" not in (a, b)
    )


def _join_variants(tokens: Sequence[_Token]) -> list[tuple[list[_Token], int]]:
    """The name with one pair of neighbouring words written as one, per joinable pair:
    ``(tokens, position of the joined word)``."""
    if len(tokens) > _MAX_JOIN_TOKENS:
        return []
    found = []
    for i in range(len(tokens) - 1):
        (shown_a, a), (shown_b, b) = tokens[i], tokens[i + 1]
        if _joinable(a, b):
            joined = (f"{shown_a} {shown_b}", a + b)
            found.append(([*tokens[:i], joined, *tokens[i + 2 :]], i))
    return found


def _tokens(name: str) -> list[_Token]:
    return [(written, written) for written, _ in written_tokens(name)]


def _score_tokens(
    query: Sequence[_Token],
    listed: Sequence[_Token],
    policy: ScoringPolicy,
    query_join: int = -1,
    list_join: int = -1,
) -> tuple[float, list[tuple[float, int, int, str]]] | None:
    """Name score and chosen pairs; None when a joined word is left unpaired (a join only
    counts when the joined word is what pairs)."""
    pairs = [
        (value, i, j, kind)
        for i, (_, q) in enumerate(query)
        for j, (_, c) in enumerate(listed)
        for value, kind in (token_similarity(q, c, policy),)
        if value > 0.0
    ]
    chosen = _greedy(pairs)
    if not _join_paired(chosen, query_join, list_join):
        return None
    return policy.name_score(sum(p[0] for p in chosen), len(query), len(listed)), chosen


def _join_paired(
    chosen: list[tuple[float, int, int, str]], query_join: int, list_join: int
) -> bool:
    """Whether each joined word (position, -1 for none) pairs as the same name (exactly, by
    sound or by another romanisation), not by a mere likeness of spelling."""
    for side, joined in ((1, query_join), (2, list_join)):
        if joined >= 0 and not any(p[side] == joined and p[3] in _JOIN_KINDS for p in chosen):
            return False
    return True


def compare_names(
    query: str, listed: str, policy: ScoringPolicy = ScoringPolicy()
) -> NameComparison:
    """Score two names (0-100) with the screening rules, without an index.

    Also the fuzzy name check for text read from a document (OCR) against the record.
    Each side is also tried with one pair of neighbouring words joined; the best counts.
    """
    q_tokens, l_tokens = _tokens(query), _tokens(listed)
    q_variants = [(q_tokens, -1), *_join_variants(q_tokens)]
    l_variants = [(l_tokens, -1), *_join_variants(l_tokens)]
    best: tuple[float, list[Any], list[_Token], list[_Token]] | None = None
    for q, q_join in q_variants:
        for lv, l_join in l_variants:
            scored = _score_tokens(q, lv, policy, q_join, l_join)
            if scored is not None and (best is None or scored[0] > best[0] + 1e-9):
                best = (scored[0], scored[1], list(q), list(lv))
    if best is None:  # unreachable: the plain variants always score
        return NameComparison(0.0, (), (), ())
    score, chosen, q, lv = best
    matches, unmatched_q, unmatched_l = _explain(chosen, q, lv)
    return NameComparison(round(score, 1), matches, unmatched_q, unmatched_l)


# --------------------------------------------------------------------------------------------
# Date of birth and nationality
# --------------------------------------------------------------------------------------------


def dob_slip(dob: datetime.date, listed: datetime.date) -> str | None:
    """How ``dob`` could be a typing slip of ``listed`` (None: it cannot)."""
    if dob.year == listed.year and dob.month == listed.day and dob.day == listed.month:
        return "day and month swapped"
    a, b = dob.strftime("%Y%m%d"), listed.strftime("%Y%m%d")
    differ = [k for k in range(8) if a[k] != b[k]]
    if len(differ) == 1:
        return "one digit differs"
    if (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and (a[differ[0]], a[differ[1]]) == (b[differ[1]], b[differ[0]])
    ):
        return "two neighbouring digits swapped"
    return None


def dob_adjustment(
    dob: datetime.date | int | None, listed: Sequence[BirthDate], policy: ScoringPolicy
) -> Adjustment | None:
    """How the customer's date of birth (or birth year) moves the score; None: no effect.

    A full date against listed full dates: the same date lifts; a typing slip of one (day
    and month swapped, one digit, two neighbouring digits swapped) changes nothing; within a
    year changes nothing; 1-2 years apart lowers a little; more than 2 years apart contradicts
    every listed date and lowers strongly (a namesake). Against a listed year, "circa" year or
    range: the year lifts a little, within 2 years changes nothing, beyond lowers, strongly
    beyond 5 years.
    """
    if dob is None or not listed:
        return None
    if isinstance(dob, datetime.datetime):
        dob = dob.date()
    full = [b.date for b in listed if b.precision == "date" and b.date and not b.approximate]
    if isinstance(dob, datetime.date):
        if dob in full:
            return Adjustment("dob", policy.dob_exact, f"Date of birth {dob} is listed")
        for date in full:
            if why := dob_slip(dob, date):
                return Adjustment(
                    "dob",
                    0.0,
                    f"Date of birth {dob} differs from the listed {date} by a typing slip "
                    f"({why}); treated as the same date",
                )
    year = dob.year if isinstance(dob, datetime.date) else int(dob)
    listed_text = ", ".join(b.describe() for b in listed)
    partial = [b for b in listed if not (b.precision == "date" and b.date and not b.approximate)]
    if partial:
        closest_partial = min(partial, key=lambda b: b.year_distance(year))
        if closest_partial.year_distance(year) == 0:
            return Adjustment(
                "dob", policy.dob_year, f"Birth year {year} matches the listed {listed_text}"
            )
    if isinstance(dob, datetime.date) and full:
        days = min(abs((dob - date).days) for date in full)
        close = [b.year_distance(year) for b in partial]
        if not close or min(close) > policy.dob_tolerance_years:
            return _full_date_difference(dob, days, listed_text, policy)
    closest = min(listed, key=lambda b: b.year_distance(year))
    distance = closest.year_distance(year)
    if distance == 0:
        return Adjustment(
            "dob", policy.dob_year, f"Birth year {year} matches the listed {listed_text}"
        )
    if distance <= policy.dob_tolerance_years:
        return Adjustment(
            "dob", 0.0, f"Birth year {year} is within {distance} year(s) of {closest.describe()}"
        )
    if distance > policy.dob_far_years:
        return Adjustment(
            "dob",
            policy.dob_contradiction,
            f"Date of birth {dob} is {distance} years from every listed date ({listed_text}): "
            "likely a different person of the same name",
        )
    return Adjustment(
        "dob",
        policy.dob_mismatch,
        f"Date of birth {dob} is {distance} years from every listed date ({listed_text})",
    )


def _full_date_difference(
    dob: datetime.date, days: int, listed_text: str, policy: ScoringPolicy
) -> Adjustment:
    """A full date of birth against listed full dates it neither equals nor slips from."""
    if days <= 366:
        return Adjustment(
            "dob",
            0.0,
            f"Date of birth {dob} is {days} days from the listed {listed_text}; not the same "
            "date, but close",
        )
    years = days / 365.25
    if years <= policy.dob_far_years:
        return Adjustment(
            "dob",
            policy.dob_mismatch,
            f"Date of birth {dob} is {years:.1f} years from the listed {listed_text}",
        )
    return Adjustment(
        "dob",
        policy.dob_contradiction,
        f"Date of birth {dob} is {years:.0f} years from the listed full date ({listed_text}) "
        "and is no typing slip of it: likely a different person of the same name",
    )


def country_code(nationality: str | None) -> str | None:
    """A customer's nationality as an ISO code (names looked up; unknown text upper-cased)."""
    if not nationality or not nationality.strip():
        return None
    return to_iso2(nationality) or nationality.strip().upper()


def nationality_adjustment(
    nationality: str | None, entry: ListEntry, policy: ScoringPolicy
) -> Adjustment | None:
    """How the customer's nationality (ISO code or name) moves the score; None: no effect."""
    code = country_code(nationality)
    return _nationality_adjustment(code, entry, policy)


def _nationality_adjustment(
    code: str | None, entry: ListEntry, policy: ScoringPolicy
) -> Adjustment | None:
    if code is None or not entry.nationalities:
        return None
    if code in entry.nationalities:
        return Adjustment("nationality", policy.nationality_match, f"Nationality {code} is listed")
    listed = ", ".join(entry.nationalities)
    return Adjustment(
        "nationality",
        policy.nationality_mismatch,
        f"Nationality {code} is not among the listed {listed}",
    )


def _birth_year(dob: datetime.date | int | None) -> int | None:
    if dob is None:
        return None
    return dob.year if isinstance(dob, datetime.date) else int(dob)


def _covered_years(birth: BirthDate) -> range:
    """Customer birth years at distance 0 from a listed date (what earns a DOB lift)."""
    if birth.precision == "range":
        low, high = birth.year_from or 0, birth.year_to or 0
        return range(low, min(high, low + 100) + 1)
    year = birth.date.year if birth.date else (birth.year or 0)
    return range(year - 1, year + 2) if birth.approximate else range(year, year + 1)


# --------------------------------------------------------------------------------------------
# The index
# --------------------------------------------------------------------------------------------


_Groups = tuple[frozenset[int], frozenset[int]]
_CLEAN, _INITIALED = 0, 1


@dataclass(slots=True)
class _Expansion:
    """The list tokens one customer token pairs with, and the list names holding them.

    ``sims`` maps vocabulary ids to ``(similarity, kind)``; for a customer initial it stays
    empty and the index tests the first letter instead. ``single`` holds the one-token list
    names with any pair. The other sets hold longer list names, split in two groups: those
    without any one-letter token (``[0]``, almost all) and those with one (``[1]``):
    ``strong`` - a pair worth up to 1.0 (a full word against a full word, or the same
    initial); ``repeated`` - two or more strong pairs (for a word the customer repeats);
    ``weak`` - any pair at all, including a word against an initial.
    """

    sims: dict[int, tuple[float, str]]
    single: frozenset[int]
    strong: _Groups
    repeated: _Groups
    weak: _Groups
    initial: str | None = None


@dataclass(slots=True)
class _FuzzyBucket:
    """Distinct fuzzy forms of the vocabulary in one first-letter class, sorted by length;
    ``owners[k]``: the ``(token id, rank)`` pairs having ``tokens[k]`` as a form."""

    tokens: list[str] = field(default_factory=list)
    owners: list[tuple[tuple[int, int], ...]] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)


class ScreeningIndex:
    """An in-memory index of list entries for fast, explainable screening.

    Build it once per list version (a few seconds for 20,000 entries), then call
    :meth:`screen` per customer or :meth:`screen_many` for a bulk re-screen. Immutable after
    construction apart from its per-token caches, so one instance can serve many threads;
    :meth:`screen_many` forks worker processes that share it copy-on-write.
    """

    def __init__(
        self,
        entries: Iterable[ListEntry],
        policy: ScoringPolicy = ScoringPolicy(),
        *,
        cache_size: int = 200_000,
    ) -> None:
        self.policy = policy
        self.entries: list[ListEntry] = list(entries)
        self._cache_size = cache_size
        self._expansions: dict[str, _Expansion] = {}
        self._required_cache: dict[tuple[int, int, float, int], int | None] = {}
        self._v_entry: list[int] = []
        self._v_tokens: list[tuple[int, ...]] = []
        self._v_written: list[tuple[tuple[str, str], ...]] = []
        self._v_joined: list[int] = []
        self._v_name: list[str] = []
        self._v_alias: list[Alias | None] = []
        self._vocab: dict[str, int] = {}
        self._vocab_list: list[str] = []
        self._is_letter: list[bool] = []
        self._dob_lists: dict[int, list[int]] = {}
        for position, entry in enumerate(self.entries):
            self._add_entry(position, entry)
        self._dob_years = {year: frozenset(v) for year, v in self._dob_lists.items()}
        del self._dob_lists
        self._build_postings()

    # -- construction ------------------------------------------------------------------------

    def _token_id(self, token: str) -> int:
        token_id = self._vocab.get(token)
        if token_id is None:
            token_id = self._vocab[token] = len(self._vocab_list)
            self._vocab_list.append(token)
            self._is_letter.append(len(_forms(token).canonical) == 1)
        return token_id

    def _add_entry(self, position: int, entry: ListEntry) -> None:
        """One variant per distinct token set among the entry's names (primary first), and
        one per pair of neighbouring words that may also be written as one."""
        seen: set[tuple[Any, ...]] = set()
        for name, alias in entry.all_names():
            tokens = _tokens(name)
            for variant, joined in [(tokens, -1), *_join_variants(tokens)]:
                signature = (tuple(sorted(w for _, w in variant)), joined >= 0)
                if not variant or signature in seen:
                    continue
                seen.add(signature)
                births = entry.dates_of_birth + (alias.dates_of_birth if alias else ())
                for birth in births:
                    for year in _covered_years(birth):
                        self._dob_lists.setdefault(year, []).append(len(self._v_entry))
                self._v_entry.append(position)
                self._v_tokens.append(tuple(self._token_id(w) for _, w in variant))
                self._v_written.append(tuple(variant))
                self._v_joined.append(joined)
                self._v_name.append(name)
                self._v_alias.append(alias)

    def _build_postings(self) -> None:
        """Token -> list names (split by one token / more), key and initial and fuzzy maps."""
        single: list[set[int]] = [set() for _ in self._vocab_list]
        multi: list[set[int]] = [set() for _ in self._vocab_list]
        repeated: dict[int, set[int]] = {}
        initial_single: dict[str, set[int]] = {}
        initial_multi: dict[str, set[int]] = {}
        for variant, token_ids in enumerate(self._v_tokens):
            postings = single if len(token_ids) == 1 else multi
            by_initial = initial_single if len(token_ids) == 1 else initial_multi
            for token_id in token_ids:
                postings[token_id].add(variant)
                for letter in _forms(self._vocab_list[token_id]).initials:
                    by_initial.setdefault(letter, set()).add(variant)
            for token_id, count in Counter(token_ids).items():
                if count > 1:
                    repeated.setdefault(token_id, set()).add(variant)
        self._single = [frozenset(s) for s in single]
        self._multi = [frozenset(s) for s in multi]
        self._repeated = {t: frozenset(v) for t, v in repeated.items()}
        self._initialed = frozenset(
            variant
            for variant, token_ids in enumerate(self._v_tokens)
            if len(token_ids) > 1 and any(self._is_letter[t] for t in token_ids)
        )
        self._initial_single = {k: frozenset(v) for k, v in initial_single.items()}
        self._initial_multi = {k: frozenset(v) for k, v in initial_multi.items()}
        self._by_form: dict[str, list[tuple[int, int]]] = {}
        self._by_key: dict[str, list[tuple[int, int]]] = {}
        self._by_canonical: dict[str, int] = {}
        fuzzy: dict[str, dict[str, dict[int, int]]] = {}
        for token_id, token in enumerate(self._vocab_list):
            forms = _forms(token)
            if len(forms.canonical) == 1:
                self._by_canonical.setdefault(forms.canonical, token_id)
                continue
            for form, rank in forms.exact:
                self._by_form.setdefault(form, []).append((token_id, rank))
            for key, rank in forms.keys:
                self._by_key.setdefault(key, []).append((token_id, rank))
            for form, rank in forms.fuzzy:
                owners = fuzzy.setdefault(first_class(form), {}).setdefault(form, {})
                owners[token_id] = min(rank, owners.get(token_id, rank))
        self._buckets: dict[str, _FuzzyBucket] = {}
        for cls, by_form in fuzzy.items():
            items = sorted(by_form.items(), key=lambda item: (len(item[0]), item[0]))
            self._buckets[cls] = _FuzzyBucket(
                [f for f, _ in items],
                [tuple(o.items()) for _, o in items],
                [len(f) for f, _ in items],
            )
        self._max_tokens = max((len(t) for t in self._v_tokens), default=0)

    @property
    def variant_count(self) -> int:
        """Distinct list names indexed (primary names and aliases)."""
        return len(self._v_tokens)

    # -- per-token expansion -----------------------------------------------------------------

    def _expansion(self, token: str) -> _Expansion:
        found = self._expansions.get(token)
        if found is None:
            if len(self._expansions) >= self._cache_size:
                self._expansions.clear()
            found = self._expansions[token] = self._expand(token)
        return found

    def _split(self, variants: frozenset[int]) -> _Groups:
        """(names without a one-letter token, names with one)."""
        return variants - self._initialed, variants & self._initialed

    def _expand(self, token: str) -> _Expansion:
        """Every vocabulary token that :func:`token_similarity` pairs with ``token``."""
        empty: frozenset[int] = frozenset()
        forms = _forms(token)
        if len(forms.canonical) == 1 and _is_alpha(forms.canonical):
            letter = forms.canonical
            same = self._by_canonical.get(letter)
            strong = self._multi[same] if same is not None else empty
            repeated = self._repeated.get(same, empty) if same is not None else empty
            return _Expansion(
                {},
                self._initial_single.get(letter, empty),
                self._split(strong),
                self._split(repeated),
                self._split(self._initial_multi.get(letter, empty)),
                initial=letter,
            )
        sims: dict[int, tuple[float, str]] = {}
        policy = self.policy

        def offer(token_id: int, found: tuple[float, str]) -> None:
            old = sims.get(token_id)
            sims[token_id] = found if old is None else _better(old, found)

        if len(forms.canonical) > 1:
            for form, rank in forms.exact:
                for token_id, other in self._by_form.get(form, ()):
                    offer(token_id, _pair_value("exact", (rank, other), 1.0, policy))
            for key, rank in forms.keys:
                for token_id, other in self._by_key.get(key, ()):
                    value = policy.phonetic_similarity
                    offer(token_id, _pair_value("phonetic", (rank, other), value, policy))
            for form, rank in forms.fuzzy:
                self._expand_fuzzy(form, rank, offer)
        strong_ids = list(sims)
        if _is_alpha(forms.canonical):
            for letter in forms.initials:
                if (letter_id := self._by_canonical.get(letter)) is not None:
                    offer(letter_id, (policy.initial_similarity, "initial"))
        strong = frozenset().union(*(self._multi[t] for t in strong_ids))
        return _Expansion(
            sims,
            frozenset().union(*(self._single[t] for t in sims)),
            self._split(strong),
            self._split(self._repeated_pairs(strong_ids)),
            self._split(frozenset().union(strong, *(self._multi[t] for t in sims))),
        )

    def _repeated_pairs(self, token_ids: list[int]) -> frozenset[int]:
        """List names holding two or more of ``token_ids`` (or one of them twice)."""
        empty: frozenset[int] = frozenset()
        found = set().union(*(self._repeated.get(t, empty) for t in token_ids))
        if len(token_ids) > 1:
            counts = Counter(itertools.chain.from_iterable(self._multi[t] for t in token_ids))
            found.update(v for v, c in counts.items() if c > 1)
        return frozenset(found)

    def _expand_fuzzy(
        self, form: str, rank: int, offer: Callable[[int, tuple[float, str]], None]
    ) -> None:
        """Offer rapidfuzz neighbours of one form from its first-letter class and length
        window."""
        bucket = self._buckets.get(first_class(form))
        if bucket is None:
            return
        slack = 1.0 - self.policy.fuzzy_cutoff
        size = len(form)
        low = bisect.bisect_left(bucket.lengths, size * (1 - slack) / (1 + slack) - 1e-9)
        high = bisect.bisect_right(bucket.lengths, size * (1 + slack) / (1 - slack) + 1e-9)
        for found, score, index in process.extract(
            form,
            bucket.tokens[low:high],
            scorer=fuzz.ratio,
            score_cutoff=self.policy.fuzzy_cutoff * 100.0,
            limit=None,
        ):
            if found == form:  # the same form: an exact or sound-key pair, found as such
                continue
            for token_id, other in bucket.owners[low + index]:
                offer(token_id, _pair_value("fuzzy", (rank, other), score / 100.0, self.policy))

    def _initial_pair(self, initial: str, token_id: int) -> tuple[float, str] | None:
        """A customer initial against one list token (same rule as token_similarity)."""
        forms = _forms(self._vocab_list[token_id])
        if forms.canonical == initial:
            return 1.0, "exact"
        if len(forms.canonical) > 1 and _is_alpha(forms.canonical) and initial in forms.initials:
            return self.policy.initial_similarity, "initial"
        return None

    # -- candidates --------------------------------------------------------------------------

    def _candidates(
        self,
        expansions: list[_Expansion],
        needed: float,
        within: frozenset[int] | None = None,
    ) -> set[int]:
        """List names (optionally only those ``within`` a set) that share enough paired
        tokens to possibly reach the name score ``needed``.

        Counting bound: a strong pair adds at most 1.0 and a pair involving an initial at
        most the initial similarity, so a list name of ``m`` tokens needs at least ``r``
        strong pairs; ``r`` minimised over ``m`` gives a k-of-n filter over the strong
        posting sets, computed as intersections (never a scan of the list).
        """

        def limited(items: frozenset[int]) -> frozenset[int]:
            return items if within is None else items & within

        n = len(expansions)
        initials = sum(e.initial is not None for e in expansions)
        found: set[int] = set()
        if self._required(n, initials, 1, needed, _INITIALED) is not None:
            found.update(*(limited(e.single) for e in expansions))
        for group in (_CLEAN, _INITIALED):
            k = self._min_required(n, initials, needed, group)
            if k is None:
                continue
            if k == 0:
                found.update(*(limited(e.weak[group]) for e in expansions))
            else:
                sets = [limited(s) for s in self._posting_sets(expansions, group)]
                found |= self._k_of_n(sets, k)
        return found

    @staticmethod
    def _posting_sets(expansions: list[_Expansion], group: int) -> list[frozenset[int]]:
        """The strong posting set per customer token; a repeated word ("Mohammed Mohd")
        counts again only for list names that can pair with it twice."""
        seen: set[int] = set()
        sets = []
        for expansion in expansions:
            repeat = id(expansion) in seen
            seen.add(id(expansion))
            sets.append(expansion.repeated[group] if repeat else expansion.strong[group])
        return sets

    def _required(self, n: int, initials: int, m: int, needed: float, group: int) -> int | None:
        """Fewest strong pairs with which n customer tokens (``initials`` of them initials)
        can reach ``needed`` against an m-token list name of ``group`` (None: never).

        Names without one-letter tokens pair weakly only with the customer's initials;
        names with one may pair weakly with any token.
        """
        most = min(n - initials if group == _CLEAN else n, m)
        for strong in range(most + 1):
            others = m - strong
            weak = min(initials if group == _CLEAN else n - strong, others)
            total = strong + self.policy.initial_similarity * weak
            if self.policy.name_score(total, n, m) >= needed - 1e-9:
                return strong
        return None

    def _min_required(self, n: int, initials: int, needed: float, group: int) -> int | None:
        """:meth:`_required` minimised over list names of 2 or more tokens (cached)."""
        key = (n, initials, needed, group)
        if key not in self._required_cache:
            counts = [
                r
                for m in range(2, self._max_tokens + 1)
                if (r := self._required(n, initials, m, needed, group)) is not None
            ]
            self._required_cache[key] = min(counts) if counts else None
        return self._required_cache[key]

    @staticmethod
    def _k_of_n(sets: list[frozenset[int]], k: int) -> set[int]:
        """Members of at least ``k`` of ``sets``: unions of intersections, smallest first."""
        ordered = sorted(sets, key=len)
        if k <= 1:
            return set().union(*ordered)
        if len(ordered) > _MAX_COMBINATION_TOKENS:
            counter = Counter(itertools.chain.from_iterable(ordered))
            return {v for v, c in counter.items() if c >= k}
        result: set[int] = set()
        for combo in itertools.combinations(ordered, k):
            if not combo[0]:
                continue
            common = set(combo[0])
            for other in combo[1:]:
                common &= other
                if not common:
                    break
            result |= common
        return result

    # -- screening ---------------------------------------------------------------------------

    def screen(
        self,
        name: str,
        dob: datetime.date | int | None = None,
        nationality: str | None = None,
        *,
        kinds: Collection[EntryKind | str] | None = None,
        threshold: float | None = None,
    ) -> list[Match]:
        """Entries whose score reaches the threshold, best first (one match per entry).

        ``dob`` may be a date or a birth year; ``nationality`` an ISO code or a country
        name; ``kinds`` restricts the entry kinds (e.g. individuals only for a person).
        """
        limit = self.policy.threshold if threshold is None else threshold
        query = _tokens(name)
        if not query:
            return []
        if isinstance(dob, datetime.datetime):
            dob = dob.date()
        code, year = country_code(nationality), _birth_year(dob)
        allowed = {str(k) for k in kinds} if kinds is not None else None
        best: dict[int, tuple[list[_Token], float, int, float, list[Any], list[Adjustment]]] = {}
        for tokens, joined in self._query_variants(query):
            expansions = [self._expansion(written) for _, written in tokens]
            floor, candidates = self._all_candidates(expansions, limit, code, year)
            for variant in sorted(candidates):
                position = self._v_entry[variant]
                entry = self.entries[position]
                if allowed is not None and str(entry.kind) not in allowed:
                    continue
                scored = self._score_variant(expansions, variant, floor, joined)
                if scored is None:
                    continue
                adjustments = self._adjustments(variant, dob, code)
                score = min(max(scored[0] + sum(a.points for a in adjustments), 0.0), 100.0)
                if score >= limit and (position not in best or score > best[position][1] + 1e-9):
                    best[position] = (tokens, score, variant, scored[0], scored[1], adjustments)
        matches = [self._match(*found) for found in best.values()]
        matches.sort(key=lambda m: (-m.score, m.entry.source, m.entry.external_id))
        return matches

    def _query_variants(self, query: list[_Token]) -> list[tuple[list[_Token], int]]:
        """The customer's name, and the name with two neighbouring words joined where the
        joined word pairs with some list word."""
        variants = [(query, -1)]
        for tokens, joined in _join_variants(query):
            forms = _forms(tokens[joined][1])
            if any(f in self._by_form for f, _ in forms.exact) or any(
                k in self._by_key for k, _ in forms.keys
            ):
                variants.append((tokens, joined))
        return variants

    def _all_candidates(
        self, expansions: list[_Expansion], limit: float, code: str | None, year: int | None
    ) -> tuple[float, set[int]]:
        """``(lowest useful name score, candidates)``.

        Without a date-of-birth lift a name must reach ``limit`` minus the nationality lift;
        list names whose dates cover the customer's birth year may reach a DOB lift lower.
        """
        needed = limit - (max(self.policy.nationality_match, 0.0) if code else 0.0)
        candidates = self._candidates(expansions, needed)
        dob_lift = max(self.policy.dob_exact, self.policy.dob_year, 0.0)
        if year is None or not dob_lift or year not in self._dob_years:
            return needed, candidates
        candidates |= self._candidates(expansions, needed - dob_lift, self._dob_years[year])
        return needed - dob_lift, candidates

    def _score_variant(
        self, expansions: list[_Expansion], variant: int, floor: float, joined: int = -1
    ) -> tuple[float, list[tuple[float, int, int, str]]] | None:
        """Name score and chosen pairs of one list name, or None when below ``floor`` (or
        when a joined word of either side is left unpaired)."""
        token_ids = self._v_tokens[variant]
        pairs = []
        for i, expansion in enumerate(expansions):
            if expansion.initial is None:
                get = expansion.sims.get
                for j, token_id in enumerate(token_ids):
                    if (found := get(token_id)) is not None:
                        pairs.append((found[0], i, j, found[1]))
            else:
                for j, token_id in enumerate(token_ids):
                    if (found := self._initial_pair(expansion.initial, token_id)) is not None:
                        pairs.append((found[0], i, j, found[1]))
        n, m = len(expansions), len(token_ids)
        bound = min(len({p[1] for p in pairs}), len({p[2] for p in pairs}))
        if self.policy.name_score(float(bound), n, m) < floor:
            return None
        chosen = _greedy(pairs)
        if not _join_paired(chosen, joined, self._v_joined[variant]):
            return None
        score = self.policy.name_score(sum(p[0] for p in chosen), n, m)
        return (score, chosen) if score >= floor else None

    def _adjustments(
        self, variant: int, dob: datetime.date | int | None, code: str | None
    ) -> list[Adjustment]:
        """Date-of-birth, nationality and alias-quality adjustments for one list name."""
        entry = self.entries[self._v_entry[variant]]
        alias = self._v_alias[variant]
        births = entry.dates_of_birth + (alias.dates_of_birth if alias else ())
        adjustments = [
            a
            for a in (
                dob_adjustment(dob, births, self.policy),
                _nationality_adjustment(code, entry, self.policy),
            )
            if a is not None
        ]
        if alias is not None and alias.quality == "low":
            adjustments.append(
                Adjustment("alias_quality", self.policy.low_quality_alias, "Low-quality alias")
            )
        return adjustments

    def _match(
        self,
        query: list[_Token],
        score: float,
        variant: int,
        name_score: float,
        chosen: list[tuple[float, int, int, str]],
        adjustments: list[Adjustment],
    ) -> Match:
        """The explainable result for the best list name of one entry."""
        matches, unmatched_q, unmatched_l = _explain(chosen, query, self._v_written[variant])
        return Match(
            entry=self.entries[self._v_entry[variant]],
            score=round(score, 1),
            name_score=round(name_score, 1),
            matched_name=self._v_name[variant],
            alias=self._v_alias[variant],
            token_matches=matches,
            unmatched_query=unmatched_q,
            unmatched_list=unmatched_l,
            adjustments=tuple(adjustments),
        )

    def screen_subject(
        self, subject: ScreeningSubject, threshold: float | None = None
    ) -> list[Match]:
        """:meth:`screen` for a :class:`ScreeningSubject`."""
        return self.screen(
            subject.name,
            subject.dob,
            subject.nationality,
            kinds=subject.kinds,
            threshold=threshold,
        )

    def screen_many(
        self,
        subjects: Iterable[ScreeningSubject],
        *,
        processes: int = 1,
        chunk_size: int = 2000,
        threshold: float | None = None,
        include_clean: bool = False,
    ) -> Iterator[tuple[Hashable, list[Match]]]:
        """Screen many customers; yields ``(key, matches)`` in input order.

        Only customers with at least one match are yielded unless ``include_clean``.
        ``processes > 1`` forks that many workers sharing this index (POSIX only; falls back
        to one process elsewhere). Workers never touch the database: the caller reads the
        customers and writes the hits.
        """
        chunks = _chunks(subjects, chunk_size)
        if processes > 1 and "fork" in multiprocessing.get_all_start_methods():
            results = self._screen_forked(chunks, processes, threshold, include_clean)
        else:
            results = (_screen_chunk_with(self, chunk, threshold) for chunk in chunks)
        for chunk_result in results:
            for key, matches in chunk_result:
                if matches or include_clean:
                    yield key, matches

    def _screen_forked(
        self,
        chunks: Iterator[list[ScreeningSubject]],
        processes: int,
        threshold: float | None,
        include_clean: bool,
    ) -> Iterator[list[tuple[Hashable, list[Match]]]]:
        global _WORKER_INDEX  # inherited by the forked workers
        _WORKER_INDEX = self
        context = multiprocessing.get_context("fork")
        jobs = ((chunk, threshold, include_clean) for chunk in chunks)
        gc.freeze()  # keep the collector from touching (and so copying) the shared index
        try:
            with context.Pool(processes, initializer=_worker_init) as pool:
                yield from pool.imap(_worker_screen, jobs)
        finally:
            gc.unfreeze()
            _WORKER_INDEX = None


def _chunks(items: Iterable[ScreeningSubject], size: int) -> Iterator[list[ScreeningSubject]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, max(size, 1))):
        yield chunk


def _screen_chunk_with(
    index: ScreeningIndex, chunk: list[ScreeningSubject], threshold: float | None
) -> list[tuple[Hashable, list[Match]]]:
    return [(s.key, index.screen_subject(s, threshold)) for s in chunk]


_WORKER_INDEX: ScreeningIndex | None = None


def _worker_init() -> None:
    """A forked worker dies on SIGTERM, whatever handler its parent had installed.

    The pool stops its workers with SIGTERM. A parent that is itself a worker process (an
    RQ worker asks for a warm shutdown on SIGTERM) would hand that handler down, and the
    pool would wait forever for workers that never exit."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _worker_screen(
    job: tuple[list[ScreeningSubject], float | None, bool],
) -> list[tuple[Hashable, list[Match]]]:
    """Runs in a forked worker: screen one chunk with the inherited index.

    Clean customers are dropped here unless wanted, so only hits cross the process pipe.
    """
    assert _WORKER_INDEX is not None, "screen_many workers must be forked from the parent"
    chunk, threshold, include_clean = job
    results = _screen_chunk_with(_WORKER_INDEX, chunk, threshold)
    return [(key, m) for key, m in results if m or include_clean]
