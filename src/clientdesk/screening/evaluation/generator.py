"""A seeded generator of the screening evaluation set (listed persons and queries).

    .venv/bin/python -m clientdesk.screening.evaluation.generator        # rewrites eval_set.json

The set: 320 listed persons (40 per tradition of :mod:`.names`), with full dates of birth
(most), a year only, a "circa" year, or none; some with an alias in another spelling. Then
queries, each with the expected entry id (``None`` for a person who is not listed):

- ``variant`` - a listed person written another way: other spellings of the same name
  (romanisation families), word order, joined / split parts, initials, a dropped middle or
  second family name, a typing error (preferably next to a digraph like ``ph``/``kh``/``sh``),
  Abdul- with one ``l``; with the listed date of birth, a typing slip of it (day and month
  swapped, one digit, +-1 year for a year-only or circa entry) or none;
- ``namesake`` - a listed person's exact name (or a spelling of it) with a full date of birth
  12-30 years away from the listed one (the list gives a full date or a year);
- ``other`` - people who are not listed: names of the same tradition made of listed and
  unlisted words, so many share a given or family name with a listed person.

Everything is derived from ``SEED``; the same code gives the same file.
"""

from __future__ import annotations

import datetime
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clientdesk.screening.evaluation.names import TRADITIONS, Tradition

SEED = 17
PER_TRADITION = 40
VARIANTS_PER_PERSON = 4
NAMESAKES_PER_TRADITION = 30
OTHERS_PER_TRADITION = 100
SET_PATH = Path(__file__).with_name("eval_set.json")
DIGRAPH_RE = re.compile(r"ph|kh|sh|gh|th|ch|dh|zh")


@dataclass
class Part:
    role: str  # given, middle, family, family2, syl
    cluster: tuple[str, ...]
    spelling: int

    def text(self, spelling: int | None = None) -> str:
        return self.cluster[self.spelling if spelling is None else spelling].replace("_", " ")


@dataclass
class Person:
    tradition: Tradition
    parts: list[Part]
    style: str  # how the given syllables are joined (CJK): joined, hyphen, split


def _word_text(parts: list[Part], style: str) -> list[str]:
    """Words of the name in natural order (before any reordering)."""
    syl = [p for p in parts if p.role == "syl"]
    words: list[str] = []
    given_done = False
    for part in parts:
        if part.role == "syl":
            if given_done:
                continue
            given_done = True
            texts = [p.text() for p in syl]
            if style == "joined":
                words.append(texts[0].title() + texts[1].lower())
            elif style == "hyphen":
                words.append(texts[0].title() + "-" + texts[1].lower())
            else:
                words.extend(t.title() for t in texts)
        else:
            words.append(part.text())
    return words


def render(person: Person, fmt: str = "natural") -> str:
    """The person's name: ``natural``, ``list`` ("FAMILY, Given") or ``reversed``."""
    parts = person.parts
    family_roles = {"family", "family2"}
    family = [p for p in parts if p.role in family_roles]
    rest = [p for p in parts if p.role not in family_roles]
    if person.tradition.order == "family given":
        natural = _word_text(family, person.style) + _word_text(rest, person.style)
        family_words = _word_text(family, person.style)
        rest_words = _word_text(rest, person.style)
    else:
        natural = _word_text(rest, person.style) + _word_text(family, person.style)
        family_words = _word_text(family, person.style)
        rest_words = _word_text(rest, person.style)
    if fmt == "list":
        return f"{' '.join(w.upper() for w in family_words)}, {' '.join(rest_words)}"
    if fmt == "reversed":
        if person.tradition.order == "family given":
            return " ".join(rest_words + family_words)
        return " ".join(family_words + rest_words)
    return " ".join(natural)


def _new_person(rng: random.Random, tradition: Tradition) -> Person:
    parts: list[Part] = []

    def pick(role: str, clusters: tuple[tuple[str, ...], ...]) -> None:
        cluster = rng.choice(clusters)
        parts.append(Part(role, cluster, rng.randrange(len(cluster))))

    if tradition.syllables:
        pick("family", tradition.family)
        pick("syl", tradition.syllables)
        pick("syl", tradition.syllables)
        style = rng.choice(["joined", "hyphen", "split"])
        return Person(tradition, parts, style)
    pick("given", tradition.given)
    if tradition.key == "arabic" and rng.random() < 0.5:
        pick("middle", tradition.given)  # father's name
    elif tradition.middle and rng.random() < 0.6:
        pick("middle", tradition.middle)
    elif tradition.key in {"persian", "african"} and rng.random() < 0.3:
        pick("middle", tradition.given)
    pick("family", tradition.family)
    if tradition.order == "hispanic" and rng.random() < 0.7:
        pick("family2", tradition.family)
    return Person(tradition, parts, "split")


def _spellings(person: Person) -> list[frozenset[str]]:
    return [frozenset(s.lower() for s in p.cluster) for p in person.parts]


def _within(small: list[frozenset[str]], large: list[frozenset[str]]) -> bool:
    """Every part of ``small`` shares a spelling with some part of ``large``."""
    return all(any(part & other for other in large) for part in small)


def _overlaps(person: Person, listed_sets: list[list[frozenset[str]]]) -> bool:
    """A name whose words are all in a listed name, or that holds all of one (a spelling in
    common is the same word): it could be the listed person (a dropped or an added middle
    name), so it is never listed twice nor used as a person who is not listed."""
    own = _spellings(person)
    return any(_within(own, other) or _within(other, own) for other in listed_sets)


def _birth(rng: random.Random) -> dict[str, Any]:
    year = rng.randint(1945, 2000)
    roll = rng.random()
    date = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
    if roll < 0.65:
        return {"precision": "date", "date": date.isoformat()}
    if roll < 0.8:
        return {"precision": "year", "year": year}
    if roll < 0.9:
        return {"precision": "year", "year": year, "approximate": True}
    return {"precision": "none"}


def _copy(person: Person) -> Person:
    return Person(
        person.tradition, [Part(p.role, p.cluster, p.spelling) for p in person.parts], person.style
    )


# --- mutations ------------------------------------------------------------------------------


def _respell(rng: random.Random, person: Person, tags: list[str]) -> None:
    choices = [p for p in person.parts if len(p.cluster) > 1]
    if not choices:
        return
    for part in rng.sample(choices, rng.randint(1, min(2, len(choices)))):
        part.spelling = rng.choice([i for i in range(len(part.cluster)) if i != part.spelling])
    tags.append("spelling")


def _restyle(rng: random.Random, person: Person, tags: list[str]) -> None:
    if person.tradition.syllables:
        person.style = rng.choice([s for s in ("joined", "hyphen", "split") if s != person.style])
        tags.append("joined_split")


def _typo(rng: random.Random, word: str) -> str:
    letters = "abdehiklmnorstuy"
    match = [m.start() for m in DIGRAPH_RE.finditer(word.lower())]
    if match and rng.random() < 0.6:
        at = rng.choice(match) + rng.choice([0, 2])  # just before or just after the digraph
    else:
        at = rng.randrange(1, len(word))
    at = min(max(at, 1), len(word))
    kind = rng.choice(["insert", "delete", "substitute", "transpose"])
    if kind == "insert":
        return word[:at] + rng.choice(letters) + word[at:]
    if kind == "delete" and at < len(word):
        return word[:at] + word[at + 1 :]
    if kind == "transpose" and at < len(word) - 1:
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    at = min(at, len(word) - 1)
    return word[:at] + rng.choice([c for c in letters if c != word[at].lower()]) + word[at + 1 :]


def _variant(rng: random.Random, listed: Person) -> tuple[str, list[str]]:
    """A query name for the listed person, and what was changed."""
    person = _copy(listed)
    tags: list[str] = []
    operations = rng.sample(
        ["respell", "restyle", "order", "initial", "drop", "typo", "abdul"], rng.randint(1, 3)
    )
    if "respell" in operations:
        _respell(rng, person, tags)
    if "restyle" in operations:
        _restyle(rng, person, tags)
    if "drop" in operations and len(person.parts) >= 3 and not person.tradition.syllables:
        middle = [i for i, p in enumerate(person.parts) if p.role in {"middle", "family2"}]
        if middle:
            del person.parts[rng.choice(middle)]
            tags.append("dropped_middle")
    fmt = "natural"
    if "order" in operations:
        fmt = rng.choice(["list", "reversed"])
        tags.append("order")
    name = render(person, fmt)
    words = name.replace(",", "").split()
    if "abdul" in operations:
        for k, word in enumerate(words):
            low = word.lower()
            if low.startswith(("abdull", "abdurr", "abdu", "abdel")) and len(low) > 6:
                fixed = re.sub(r"^(abd[aeiou])([lr])\2", r"\1\2", low)
                if fixed == low:
                    fixed = re.sub(r"^abdul", "abdull", low)
                words[k] = fixed.title()
                tags.append("abdul")
                break
    if "initial" in operations and not person.tradition.syllables and len(words) >= 3:
        k = rng.randrange(0, len(words) - 1)
        words[k] = words[k][0].upper() + rng.choice([".", ""])
        tags.append("initial")
    if "typo" in operations:
        long_words = [k for k, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if long_words:
            k = rng.choice(long_words)
            words[k] = _typo(rng, words[k])
            tags.append("typo")
    if not tags:
        _respell(rng, person, tags)
        words = render(person).split()
        tags = tags or ["same"]
    return " ".join(words), tags


# --- dates of birth -------------------------------------------------------------------------


def _slip(rng: random.Random, birth: dict[str, Any]) -> tuple[str | None, str]:
    """The customer's date of birth for a listed person: same, a typing slip, or none."""
    roll = rng.random()
    if birth["precision"] == "none":
        return _random_date(rng, rng.randint(1945, 2000)) if roll < 0.8 else None, "no_list_dob"
    if roll < 0.12:
        return None, "no_dob"
    if birth["precision"] == "year":
        shift = rng.choice([0, 0, 1, -1]) if birth.get("approximate") else rng.choice([0, 0, 1])
        label = "year_slip" if shift else "same_year"
        return _random_date(rng, birth["year"] + shift), label
    date = datetime.date.fromisoformat(birth["date"])
    if roll < 0.6:
        return date.isoformat(), "same_dob"
    kinds = ["digit"] + (["swap"] if date.day <= 12 and date.day != date.month else [])
    if rng.choice(kinds) == "swap":
        return date.replace(month=date.day, day=date.month).isoformat(), "dob_swapped"
    return _one_digit(rng, date).isoformat(), "dob_digit"


def _one_digit(rng: random.Random, date: datetime.date) -> datetime.date:
    text = date.strftime("%Y%m%d")
    while True:
        at = rng.choice([2, 3, 5, 7])  # decade, year, month's second digit, day's second digit
        digit = rng.choice([d for d in "0123456789" if d != text[at]])
        changed = text[:at] + digit + text[at + 1 :]
        try:
            new = datetime.datetime.strptime(changed, "%Y%m%d").date()
        except ValueError:
            continue
        if 1900 < new.year < 2010:
            return new


def _random_date(rng: random.Random, year: int) -> str:
    return datetime.date(year, rng.randint(1, 12), rng.randint(1, 28)).isoformat()


def _far_date(rng: random.Random, birth: dict[str, Any]) -> str:
    year = birth["year"] if birth["precision"] == "year" else int(birth["date"][:4])
    gap = rng.randint(12, 30) * rng.choice([-1, 1])
    if not 1930 <= year + gap <= 2008:
        gap = -gap
    while True:
        candidate = _random_date(rng, year + gap)
        if birth["precision"] != "date":
            return candidate
        listed = birth["date"].replace("-", "")
        differing = sum(a != b for a, b in zip(candidate.replace("-", ""), listed, strict=True))
        if differing > 1:  # never a one-digit slip of the listed date
            return candidate


# --- the set --------------------------------------------------------------------------------


def generate(seed: int = SEED) -> dict[str, Any]:
    rng = random.Random(seed)
    entries: list[dict[str, Any]] = []
    listed: list[tuple[str, Person, dict[str, Any]]] = []
    listed_sets: list[list[frozenset[str]]] = []
    for tradition in TRADITIONS:
        count = 0
        while count < PER_TRADITION:
            person = _new_person(rng, tradition)
            if _overlaps(person, listed_sets):
                continue
            listed_sets.append(_spellings(person))
            count += 1
            entry_id = f"{tradition.key}-{count:03d}"
            birth = _birth(rng)
            aliases = []
            if rng.random() < 0.3:
                alias = _copy(person)
                _respell(rng, alias, [])
                aliases.append(render(alias))
            entries.append(
                {
                    "id": entry_id,
                    "tradition": tradition.key,
                    "name": render(person, rng.choice(["natural", "list"])),
                    "aliases": aliases,
                    "birth": birth,
                    "nationality": rng.choice(tradition.countries),
                }
            )
            listed.append((entry_id, person, birth))
    queries: list[dict[str, Any]] = []
    for entry_id, person, birth in listed:
        nationality = next(e["nationality"] for e in entries if e["id"] == entry_id)
        for _ in range(VARIANTS_PER_PERSON):
            name, tags = _variant(rng, person)
            dob, dob_tag = _slip(rng, birth)
            queries.append(
                {
                    "name": name,
                    "dob": dob,
                    "nationality": nationality if rng.random() < 0.5 else None,
                    "expected": entry_id,
                    "kind": "variant",
                    "tags": [*tags, dob_tag],
                    "tradition": person.tradition.key,
                }
            )
    for tradition in TRADITIONS:
        own = [(i, p, b) for i, p, b in listed if p.tradition is tradition]
        dated = [x for x in own if x[2]["precision"] != "none"]
        for entry_id, person, birth in rng.sample(dated, min(NAMESAKES_PER_TRADITION, len(dated))):
            copy = _copy(person)
            tags = ["namesake"]
            if rng.random() < 0.4:
                _respell(rng, copy, tags)
            queries.append(
                {
                    "name": render(copy),
                    "dob": _far_date(rng, birth),
                    "nationality": rng.choice(tradition.countries) if rng.random() < 0.5 else None,
                    "expected": None,
                    "kind": "namesake",
                    "namesake_of": entry_id,
                    "tags": tags,
                    "tradition": tradition.key,
                }
            )
        made = 0
        while made < OTHERS_PER_TRADITION:
            person = _new_person(rng, tradition)
            if _overlaps(person, listed_sets):
                continue
            made += 1
            queries.append(
                {
                    "name": render(person, rng.choice(["natural", "natural", "reversed"])),
                    "dob": _random_date(rng, rng.randint(1945, 2004)),
                    "nationality": rng.choice(tradition.countries) if rng.random() < 0.5 else None,
                    "expected": None,
                    "kind": "other",
                    "tags": ["not_listed"],
                    "tradition": tradition.key,
                }
            )
    return {
        "seed": seed,
        "description": "Generated by clientdesk.screening.evaluation.generator; see its docstring.",
        "entries": entries,
        "queries": queries,
    }


def write(path: Path = SET_PATH, seed: int = SEED) -> Path:
    data = generate(seed)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    written = write()
    data = json.loads(written.read_text(encoding="utf-8"))
    print(f"{written}: {len(data['entries'])} entries, {len(data['queries'])} queries")
