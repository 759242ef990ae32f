"""Name matching and the screening index (no database needed)."""

from __future__ import annotations

import datetime
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from clientdesk.screening import (
    Alias,
    BirthDate,
    EntryKind,
    ListEntry,
    LoadedList,
    ScoringPolicy,
    ScreeningIndex,
    ScreeningSubject,
    compare_names,
)
from clientdesk.screening.matching import (
    dob_adjustment,
    nationality_adjustment,
    token_similarity,
)

PROPERTY = hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
POLICY = ScoringPolicy()


def person(external_id: str, name: str, *aliases: str, **fields: object) -> ListEntry:
    return ListEntry(
        "test",
        external_id,
        EntryKind.INDIVIDUAL,
        name,
        aliases=tuple(Alias(a) for a in aliases),
        **fields,  # type: ignore[arg-type]
    )


# ------------------------------------------------------------------------------------------
# Known cases
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "listed", "at_least"),
    [
        ("Mohammed Ali", "Muhammad Ali", 100),
        ("ALI Muhammad", "Muhammad Ali", 100),  # word order
        ("Aadhya Sharma", "Adhya Sharma", 100),
        ("Jerome Kakwavu", "Jérôme KAKWAVU", 100),  # diacritics and case
        ("Abdul Rahman Khan", "KHAN, Abd al-Rahman", 100),
        ("Abdurrahman Khan", "Abdul Rahman KHAN", 100),
        ("M. Ali", "Muhammad Ali", 90),  # initial
        ("Victor Rumuli", "Victor Rumuri", 91),  # spelling, 83% token similarity
        ("Khalid Sheikh Mohammad", "MOHAMMED, Khalid Shaikh", 100),
        ("Muhammad Ali", "Muhammad Ali Hassan", 86),  # an extra middle name costs a little
        ("Laxmi Chowdhary", "Lakshmi Chaudhary", 92),  # phonetic keys
        ("Usama bin Ladin", "Osama bin Laden", 92),
    ],
)
def test_known_matches(query: str, listed: str, at_least: float) -> None:
    assert compare_names(query, listed).score >= at_least


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("Rahul Sharma", "Khalid Shaikh Mohammed"),
        ("Priya Patel", "Victor Rumuri"),
        ("Muhammad Hassan", "Muhammad Ali"),  # shares a very common word only
        ("Saddam Hussein", "Saddam Hassan"),
        ("Kim Jong Un", "Kim Jong Il"),
        ("Anjali Mehta", "Anil Mehra"),
        ("Ali Khan", "Ole Khan"),
    ],
)
def test_unrelated_names_stay_low(query: str, listed: str) -> None:
    assert compare_names(query, listed).score < 80


def test_explanations_name_each_pair() -> None:
    result = compare_names("M. Aadhya Sharmah", "SHARMA, Adhya Mohan")
    kinds = {(m.query_token, m.list_token): m.kind for m in result.token_matches}
    assert kinds == {
        ("m", "mohan"): "initial",
        ("aadhya", "adhya"): "spelling",
        ("sharmah", "sharma"): "fuzzy",  # 92.3% as spelt beats the 92% of the sound key
    }
    assert result.unmatched_query == () and result.unmatched_list == ()
    assert "aadhya ~ adhya (same name, spelling variant, 100%)" in [
        m.describe() for m in result.token_matches
    ]


def test_token_similarity_rules() -> None:
    assert token_similarity("muhammad", "muhammad") == (1.0, "exact")
    assert token_similarity("m", "muhammad") == (POLICY.initial_similarity, "initial")
    assert token_similarity("lakshmi", "laxmi") == (POLICY.phonetic_similarity, "phonetic")
    value, kind = token_similarity("rumuli", "rumuri")
    assert kind == "fuzzy" and value == pytest.approx(0.8333, abs=1e-3)
    assert token_similarity("ali", "khan") == (0.0, "")
    assert token_similarity("osama", "usama")[0] >= 0.8  # same first-letter class (vowels)


def test_name_score_formula() -> None:
    # one extra word on one side counts half: 2 of 2 against 2 of 2.5
    assert POLICY.name_score(2, 2, 3) == pytest.approx(100 * (0.6 + 0.4 * 2 / 2.5))
    # further extra words count in full: 2 of 2 against 2 of 3.5
    assert POLICY.name_score(2, 2, 4) == pytest.approx(100 * (0.6 + 0.4 * 2 / 3.5))
    assert POLICY.name_score(1, 2, 2) == pytest.approx(50)
    assert POLICY.name_score(0, 0, 3) == 0


# ------------------------------------------------------------------------------------------
# Date of birth and nationality
# ------------------------------------------------------------------------------------------

KHALID = person(
    "1",
    "MOHAMMED, Khalid Shaikh",
    dates_of_birth=(
        BirthDate("date", date=datetime.date(1965, 4, 14), year=1965, month=4),
        BirthDate("date", date=datetime.date(1964, 3, 1), year=1964, month=3),
    ),
    nationalities=("KW",),
)


def test_dob_and_nationality_lift_and_lower() -> None:
    index = ScreeningIndex([KHALID])
    name = "Khaled Sheikh Mohamad"  # name score a little below 100 (fuzzy Khaled/Khalid)
    plain = index.screen(name)[0]
    exact = index.screen(name, datetime.date(1965, 4, 14), "KW")[0]
    year = index.screen(name, 1964)[0]
    close = index.screen(name, datetime.date(1966, 1, 1))[0]
    assert exact.score == min(100.0, plain.score + 5 + 3)
    assert year.score == pytest.approx(plain.score + 2, abs=0.11)
    assert close.score == plain.score  # within 2 years: no effect, but explained
    assert [a.points for a in close.adjustments] == [0.0]
    far = index.screen(name, datetime.date(1990, 1, 1), "IN", threshold=0)[0]
    assert far.score == pytest.approx(plain.score - 30 - 3, abs=0.11)
    assert [a.factor for a in far.adjustments] == ["dob", "nationality"]
    assert "25 years from the listed full date" in far.adjustments[0].detail
    assert "likely a different person" in far.adjustments[0].detail


def test_a_dob_mismatch_pushes_a_borderline_name_under_the_threshold() -> None:
    entry = person("2", "Muhammad Ali Hassan", dates_of_birth=(BirthDate("year", year=1950),))
    index = ScreeningIndex([entry])
    assert index.screen("Muhammad Ali")[0].score == pytest.approx(92.0)
    assert index.screen("Muhammad Ali", datetime.date(1990, 5, 5)) == []
    assert index.screen("Muhammad Ali", datetime.date(1950, 5, 5))[0].score == 94.0


def test_a_dob_lift_can_raise_a_name_below_the_threshold() -> None:
    entry = person(
        "3",
        "Muhammad Ali Hassan Khan",
        dates_of_birth=(BirthDate("date", date=datetime.date(1970, 1, 2), year=1970, month=1),),
        nationalities=("PK",),
    )
    index = ScreeningIndex([entry])
    assert index.screen("Muhammad Ali") == []  # name score 82.9: two names dropped
    (hit,) = index.screen("Muhammad Ali", datetime.date(1970, 1, 2), "Pakistan")
    assert (hit.name_score, hit.score) == (82.9, 90.9)


def test_dob_adjustment_shapes() -> None:
    approx = [BirthDate("year", year=1954, approximate=True)]
    assert dob_adjustment(1955, approx, POLICY).points == 2  # type: ignore[union-attr]
    span = [BirthDate("range", year_from=1973, year_to=1974)]
    assert dob_adjustment(datetime.date(1974, 6, 1), span, POLICY).points == 2  # type: ignore[union-attr]
    assert dob_adjustment(1977, span, POLICY).points == -10  # type: ignore[union-attr]
    assert dob_adjustment(1980, span, POLICY).points == -30  # type: ignore[union-attr]
    assert dob_adjustment(None, span, POLICY) is None
    assert dob_adjustment(1980, [], POLICY) is None
    assert nationality_adjustment("Kuwait", KHALID, POLICY).points == 3  # type: ignore[union-attr]
    assert nationality_adjustment(None, KHALID, POLICY) is None


def test_low_quality_alias_is_penalised_and_said() -> None:
    entry = ListEntry(
        "test",
        "4",
        EntryKind.INDIVIDUAL,
        "MUSA, Rifa'i Ahmad Taha",
        aliases=(Alias("ABU YASIR", quality="low"),),
    )
    (hit,) = ScreeningIndex([entry]).screen("Abu Yasir")
    assert hit.alias is not None and hit.name_score == 100 and hit.score == 95
    assert any("low-quality alias" in line for line in hit.reasons())


# ------------------------------------------------------------------------------------------
# The index on the published samples
# ------------------------------------------------------------------------------------------


def test_screen_finds_listed_people(sample_index: ScreeningIndex) -> None:
    hits = sample_index.screen("Khalid Sheikh Mohammad", datetime.date(1965, 4, 14), "KW")
    assert hits[0].external_id == "6928" and hits[0].score == 100
    reasons = hits[0].reasons()
    assert "Matched mohammad ~ mohammed (same name, spelling variant, 100%)." in reasons
    assert "Date of birth 1965-04-14 is listed (+5)." in reasons
    rumuri = sample_index.screen("Rumuli Victor")
    assert rumuri[0].external_id == "6907995"
    # the entry's alias "Byiringiro Victor Rumuli" holds both words as spelt
    assert rumuri[0].matched_name == "Byiringiro Victor Rumuli"
    noriega = sample_index.screen("Manuel A. Noriega")
    assert noriega[0].external_id == "1572"


def test_screen_results_are_serialisable(sample_index: ScreeningIndex) -> None:
    (hit, *_) = sample_index.screen("Victor Rumuri")
    data = hit.to_dict()
    assert data["source"] == "un" and data["content_hash"] == hit.content_hash
    assert data["token_matches"][0]["kind"] == "exact"
    assert data["reasons"][-1] == "Score 100.0."


def test_unrelated_customers_have_no_hits(sample_index: ScreeningIndex) -> None:
    for name in ("Rahul Sharma", "Priya Venkataraman", "Aadhya Iyer", "Zoe Smith", ""):
        assert sample_index.screen(name, datetime.date(1990, 1, 1), "IN") == []


def test_kinds_and_threshold(sample_index: ScreeningIndex) -> None:
    assert sample_index.screen("HERMANN")  # a vessel
    assert sample_index.screen("HERMANN", kinds={EntryKind.INDIVIDUAL}) == []
    loose = sample_index.screen("Muhammad Hassan", threshold=60)
    strict = sample_index.screen("Muhammad Hassan", threshold=95)
    assert len(loose) > len(strict)
    assert all(m.score >= 60 for m in loose)


def _brute_force(
    entries: list[ListEntry],
    name: str,
    dob: datetime.date | None,
    nationality: str | None,
    threshold: float,
) -> dict[str, float]:
    """Every entry scored with compare_names and the public adjustment functions."""
    found: dict[str, float] = {}
    for entry in entries:
        best = None
        for listed, alias in entry.all_names():
            score = compare_names(name, listed).score
            births = entry.dates_of_birth + (alias.dates_of_birth if alias else ())
            for adjustment in (
                dob_adjustment(dob, births, POLICY),
                nationality_adjustment(nationality, entry, POLICY),
            ):
                score += adjustment.points if adjustment else 0.0
            if alias is not None and alias.quality == "low":
                score += POLICY.low_quality_alias
            score = min(max(score, 0.0), 100.0)
            best = score if best is None else max(best, score)
        if best is not None and best >= threshold - 0.06:
            found[f"{entry.source}:{entry.external_id}"] = best
    return found


def _queries(entries: list[ListEntry], count: int) -> list[tuple[str, datetime.date | None]]:
    """Listed names as customers would write them, plus names that should not match."""
    rng = random.Random(4)
    people = [e for e in entries if e.kind is EntryKind.INDIVIDUAL]
    queries: list[tuple[str, datetime.date | None]] = []
    for entry in rng.sample(people, count):
        listed, _ = rng.choice(list(entry.all_names()))
        words = listed.replace(",", " ").split()
        rng.shuffle(words)
        if len(words) > 2 and rng.random() < 0.4:
            words[rng.randrange(len(words))] = words[0][0] + "."
        if rng.random() < 0.3:
            words = words[:-1] or words
        dob = entry.dates_of_birth[0].date if entry.dates_of_birth else None
        queries.append((" ".join(words), dob if rng.random() < 0.5 else None))
    queries += [("Muhammad Ali", None), ("Mohammed Khan", datetime.date(1960, 1, 1))]
    queries += [("Ahmad", None), ("Abdul Rahman", None), ("M. Ali Hassan", None)]
    return queries


def test_index_finds_exactly_what_brute_force_finds(
    ofac_sdn: LoadedList, un_list: LoadedList
) -> None:
    """The candidate filter never loses a match: compare every entry by brute force."""
    entries = [*ofac_sdn, *un_list]
    index = ScreeningIndex(entries)
    configurations = [(None, 85.0), ("IQ", 75.0)]  # alternate: a plain and a looser screen
    for number, (name, dob) in enumerate(_queries(entries, 16)):
        nationality, threshold = configurations[number % 2]
        expected = _brute_force(entries, name, dob, nationality, threshold)
        got = {
            f"{m.source}:{m.external_id}": m.score
            for m in index.screen(name, dob, nationality, threshold=threshold)
        }
        assert set(got) == {k for k, v in expected.items() if v >= threshold - 0.06}, name
        for key, score in got.items():
            assert score == pytest.approx(expected[key], abs=0.11), (name, key)


def test_screen_many_matches_screen_one_by_one(sample_index: ScreeningIndex) -> None:
    subjects = [
        ScreeningSubject(1, "Khalid Sheikh Mohammad", datetime.date(1965, 4, 14), "KW"),
        ScreeningSubject(2, "Rahul Sharma"),
        ScreeningSubject(3, "Victor Rumuri", kinds=frozenset({EntryKind.INDIVIDUAL})),
        ScreeningSubject(4, "HERMANN"),
    ]
    expected = {s.key: [m.external_id for m in sample_index.screen_subject(s)] for s in subjects}
    for processes in (1, 2):
        got = {
            key: [m.external_id for m in matches]
            for key, matches in sample_index.screen_many(
                subjects, processes=processes, chunk_size=2, include_clean=True
            )
        }
        assert got == expected
    hits_only = dict(sample_index.screen_many(subjects, processes=2, chunk_size=3))
    assert set(hits_only) == {1, 3, 4}


def test_forked_workers_stop_under_a_parent_that_catches_sigterm(fixtures_dir: Path) -> None:
    """An RQ worker catches SIGTERM (warm shutdown); the pool stops its workers with
    SIGTERM, so workers that kept the handler never exited and the screening hung."""
    code = f"""
import signal
from clientdesk.screening import ScreeningIndex, ScreeningSubject, load_ofac
signal.signal(signal.SIGTERM, lambda *_: None)
index = ScreeningIndex(list(load_ofac({str(fixtures_dir / "ofac_sdn_tiny")!r})))
subjects = [ScreeningSubject(i, "Rahul Sharma") for i in range(8)]
print(len(list(index.screen_many(subjects, processes=2, chunk_size=2, include_clean=True))))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "8"


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------

WORDS = str.split(
    "muhammad mohammed ali khan hassan hussein abdul rahman aadhya adhya sharma kumar singh "
    "victor rumuri rumuli khalid khaled sheikh shaikh osama usama m a k"
)
name_lists = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5)


@PROPERTY
@given(name_lists, name_lists, st.randoms(use_true_random=False))
def test_score_ignores_word_order(left: list[str], right: list[str], rng: random.Random) -> None:
    shuffled = left[:]
    rng.shuffle(shuffled)
    base = compare_names(" ".join(left), " ".join(right)).score
    assert abs(compare_names(" ".join(shuffled), " ".join(right)).score - base) <= 4.0


@PROPERTY
@given(name_lists, name_lists)
def test_score_is_symmetric_and_bounded(left: list[str], right: list[str]) -> None:
    forward = compare_names(" ".join(left), " ".join(right)).score
    backward = compare_names(" ".join(right), " ".join(left)).score
    assert 0.0 <= forward <= 100.0
    assert abs(forward - backward) <= 4.0


@PROPERTY
@given(name_lists)
def test_a_name_matches_itself_fully(words: list[str]) -> None:
    assert compare_names(" ".join(words), " ".join(words)).score == 100.0
