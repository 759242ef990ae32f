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
from collections.abc import Collection, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from clientdesk.screening.countries import to_iso2
from clientdesk.screening.normalize import first_class, phonetic_key, written_tokens
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
    better_side_weight: float = 0.6
    dob_exact: float = 5.0
    dob_year: float = 2.0
    dob_tolerance_years: int = 2
    dob_mismatch: float = -10.0
    nationality_match: float = 3.0
    nationality_mismatch: float = -3.0
    low_quality_alias: float = -5.0

    @property
    def max_lift(self) -> float:
        """The most the adjustments can add to a name score."""
        return max(self.dob_exact, self.dob_year, 0.0) + max(self.nationality_match, 0.0)

    def name_score(self, total: float, n: int, m: int) -> float:
        """Name score for a summed pair similarity ``total`` between n and m tokens."""
        if not n or not m:
            return 0.0
        first, second = total / n, total / m
        better, worse = max(first, second), min(first, second)
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


def token_similarity(a: str, b: str, policy: ScoringPolicy = ScoringPolicy()) -> tuple[float, str]:
    """``(similarity, kind)`` of two canonical tokens; ``(0.0, "")`` when they do not pair.

    Symmetric. The index computes exactly the same values through its expansions.
    """
    if a == b:
        return 1.0, "exact"
    if len(a) == 1 or len(b) == 1:
        if _is_alpha(a) and _is_alpha(b) and a[0] == b[0]:
            return policy.initial_similarity, "initial"
        return 0.0, ""
    if phonetic_key(a) == phonetic_key(b):
        return policy.phonetic_similarity, "phonetic"
    if (
        len(a) >= 3
        and len(b) >= 3
        and _is_alpha(a)
        and _is_alpha(b)
        and first_class(a) == first_class(b)
    ):
        ratio = fuzz.ratio(a, b, score_cutoff=policy.fuzzy_cutoff * 100.0)
        if ratio:
            return ratio / 100.0, "fuzzy"
    return 0.0, ""


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
        if kind == "exact" and q_written != l_written:
            kind = "spelling"
        matches.append(TokenMatch(q_written, l_written, kind, round(value, 3)))
    paired_i = {p[1] for p in chosen}
    paired_j = {p[2] for p in chosen}
    return (
        tuple(matches),
        tuple(w for k, (w, _) in enumerate(query) if k not in paired_i),
        tuple(w for k, (w, _) in enumerate(listed) if k not in paired_j),
    )


def compare_names(
    query: str, listed: str, policy: ScoringPolicy = ScoringPolicy()
) -> NameComparison:
    """Score two names (0-100) with the screening rules, without an index.

    Also the fuzzy name check for text read from a document (OCR) against the record.
    """
    q_tokens, l_tokens = written_tokens(query), written_tokens(listed)
    pairs = [
        (value, i, j, kind)
        for i, (_, q) in enumerate(q_tokens)
        for j, (_, c) in enumerate(l_tokens)
        for value, kind in (token_similarity(q, c, policy),)
        if value > 0.0
    ]
    chosen = _greedy(pairs)
    score = policy.name_score(sum(p[0] for p in chosen), len(q_tokens), len(l_tokens))
    matches, unmatched_q, unmatched_l = _explain(chosen, q_tokens, l_tokens)
    return NameComparison(round(score, 1), matches, unmatched_q, unmatched_l)


# --------------------------------------------------------------------------------------------
# Date of birth and nationality
# --------------------------------------------------------------------------------------------


def dob_adjustment(
    dob: datetime.date | int | None, listed: Sequence[BirthDate], policy: ScoringPolicy
) -> Adjustment | None:
    """How the customer's date of birth (or birth year) moves the score; None: no effect."""
    if dob is None or not listed:
        return None
    if isinstance(dob, datetime.datetime):
        dob = dob.date()
    if isinstance(dob, datetime.date):
        for birth in listed:
            if birth.precision == "date" and birth.date == dob and not birth.approximate:
                return Adjustment("dob", policy.dob_exact, f"Date of birth {dob} is listed")
    year = dob.year if isinstance(dob, datetime.date) else int(dob)
    closest = min(listed, key=lambda b: b.year_distance(year))
    distance = closest.year_distance(year)
    listed_text = ", ".join(b.describe() for b in listed)
    if distance == 0:
        return Adjustment(
            "dob", policy.dob_year, f"Birth year {year} matches the listed {listed_text}"
        )
    if distance <= policy.dob_tolerance_years:
        return Adjustment(
            "dob", 0.0, f"Birth year {year} is within {distance} year(s) of {closest.describe()}"
        )
    return Adjustment(
        "dob",
        policy.dob_mismatch,
        f"Date of birth {dob} is {distance} years from every listed date ({listed_text})",
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
    """Alphabetic vocabulary tokens of one first-letter class, sorted by length."""

    tokens: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
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
        self._v_name: list[str] = []
        self._v_alias: list[Alias | None] = []
        self._vocab: dict[str, int] = {}
        self._vocab_list: list[str] = []
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
        return token_id

    def _add_entry(self, position: int, entry: ListEntry) -> None:
        """One variant per distinct token set among the entry's names (primary first)."""
        seen: set[tuple[str, ...]] = set()
        for name, alias in entry.all_names():
            tokens = written_tokens(name)
            signature = tuple(sorted(c for _, c in tokens))
            if not tokens or signature in seen:
                continue
            seen.add(signature)
            births = entry.dates_of_birth + (alias.dates_of_birth if alias else ())
            for birth in births:
                for year in _covered_years(birth):
                    self._dob_lists.setdefault(year, []).append(len(self._v_entry))
            self._v_entry.append(position)
            self._v_tokens.append(tuple(self._token_id(c) for _, c in tokens))
            self._v_written.append(tuple(tokens))
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
                token = self._vocab_list[token_id]
                if _is_alpha(token):
                    by_initial.setdefault(token[0], set()).add(variant)
            for token_id, count in Counter(token_ids).items():
                if count > 1:
                    repeated.setdefault(token_id, set()).add(variant)
        self._single = [frozenset(s) for s in single]
        self._multi = [frozenset(s) for s in multi]
        self._repeated = {t: frozenset(v) for t, v in repeated.items()}
        self._initialed = frozenset(
            variant
            for variant, token_ids in enumerate(self._v_tokens)
            if len(token_ids) > 1 and any(len(self._vocab_list[t]) == 1 for t in token_ids)
        )
        self._initial_single = {k: frozenset(v) for k, v in initial_single.items()}
        self._initial_multi = {k: frozenset(v) for k, v in initial_multi.items()}
        self._by_key: dict[str, list[int]] = {}
        buckets: dict[str, list[tuple[int, str, int]]] = {}
        for token_id, token in enumerate(self._vocab_list):
            self._by_key.setdefault(phonetic_key(token), []).append(token_id)
            if len(token) >= 3 and _is_alpha(token):
                buckets.setdefault(first_class(token), []).append((len(token), token, token_id))
        self._buckets: dict[str, _FuzzyBucket] = {}
        for cls, items in buckets.items():
            items.sort()
            self._buckets[cls] = _FuzzyBucket(
                [t for _, t, _ in items], [i for _, _, i in items], [n for n, _, _ in items]
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
        if len(token) == 1 and _is_alpha(token):
            same = self._vocab.get(token)
            strong = self._multi[same] if same is not None else empty
            repeated = self._repeated.get(same, empty) if same is not None else empty
            return _Expansion(
                {},
                self._initial_single.get(token, empty),
                self._split(strong),
                self._split(repeated),
                self._split(self._initial_multi.get(token, empty)),
                initial=token,
            )
        sims: dict[int, tuple[float, str]] = {}
        if (exact := self._vocab.get(token)) is not None:
            sims[exact] = (1.0, "exact")
        for token_id in self._by_key.get(phonetic_key(token), ()):
            if len(self._vocab_list[token_id]) > 1:
                sims.setdefault(token_id, (self.policy.phonetic_similarity, "phonetic"))
        if _is_alpha(token) and len(token) >= 3:
            self._expand_fuzzy(token, sims)
        strong_ids = list(sims)
        if _is_alpha(token) and (letter := self._vocab.get(token[0])) is not None:
            sims.setdefault(letter, (self.policy.initial_similarity, "initial"))
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

    def _expand_fuzzy(self, token: str, sims: dict[int, tuple[float, str]]) -> None:
        """Add rapidfuzz neighbours from the token's first-letter class and length window."""
        bucket = self._buckets.get(first_class(token))
        if bucket is None:
            return
        slack = 1.0 - self.policy.fuzzy_cutoff
        size = len(token)
        low = bisect.bisect_left(bucket.lengths, size * (1 - slack) / (1 + slack) - 1e-9)
        high = bisect.bisect_right(bucket.lengths, size * (1 + slack) / (1 - slack) + 1e-9)
        for _, score, index in process.extract(
            token,
            bucket.tokens[low:high],
            scorer=fuzz.ratio,
            score_cutoff=self.policy.fuzzy_cutoff * 100.0,
            limit=None,
        ):
            sims.setdefault(bucket.ids[low + index], (score / 100.0, "fuzzy"))

    def _initial_pair(self, initial: str, token_id: int) -> tuple[float, str] | None:
        """A customer initial against one list token (same rule as token_similarity)."""
        token = self._vocab_list[token_id]
        if token == initial:
            return 1.0, "exact"
        if _is_alpha(token) and token[0] == initial:
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
        query = written_tokens(name)
        if not query:
            return []
        if isinstance(dob, datetime.datetime):
            dob = dob.date()
        code, year = country_code(nationality), _birth_year(dob)
        expansions = [self._expansion(canonical) for _, canonical in query]
        floor, candidates = self._all_candidates(expansions, limit, code, year)
        allowed = {str(k) for k in kinds} if kinds is not None else None
        best: dict[int, tuple[float, int, float, list[Any], list[Adjustment]]] = {}
        for variant in sorted(candidates):
            position = self._v_entry[variant]
            entry = self.entries[position]
            if allowed is not None and str(entry.kind) not in allowed:
                continue
            scored = self._score_variant(expansions, variant, floor)
            if scored is None:
                continue
            adjustments = self._adjustments(variant, dob, code)
            score = min(max(scored[0] + sum(a.points for a in adjustments), 0.0), 100.0)
            if score >= limit and (position not in best or score > best[position][0]):
                best[position] = (score, variant, scored[0], scored[1], adjustments)
        matches = [self._match(query, *found) for found in best.values()]
        matches.sort(key=lambda m: (-m.score, m.entry.source, m.entry.external_id))
        return matches

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
        self, expansions: list[_Expansion], variant: int, floor: float
    ) -> tuple[float, list[tuple[float, int, int, str]]] | None:
        """Name score and chosen pairs of one list name, or None when below ``floor``."""
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
        query: list[tuple[str, str]],
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
