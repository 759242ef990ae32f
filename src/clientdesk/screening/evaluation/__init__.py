"""Measured accuracy of the screening matcher on a generated evaluation set.

:mod:`.generator` writes ``eval_set.json`` (listed persons and queries with the expected
answer); :func:`evaluate` screens every query against the listed persons and counts, per
(query, entry) hit: a true positive when the entry is the expected one, a false positive
otherwise. Recall is the share of queries for listed persons whose entry is raised.

    make bench BENCH=screening_eval        # or: .venv/bin/python bench/screening_eval.py
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clientdesk.screening.matching import DEFAULT_THRESHOLD, ScreeningIndex
from clientdesk.screening.records import Alias, BirthDate, EntryKind, ListEntry

SET_PATH = Path(__file__).with_name("eval_set.json")
#: Hits are collected down to this score, so the curve can be drawn from one pass.
CURVE_FLOOR = 60.0


def load_set(path: Path = SET_PATH) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _birth(data: dict[str, Any]) -> tuple[BirthDate, ...]:
    if data["precision"] == "date":
        date = datetime.date.fromisoformat(data["date"])
        return (BirthDate("date", date=date, year=date.year, month=date.month),)
    if data["precision"] == "year":
        return (BirthDate("year", year=data["year"], approximate=bool(data.get("approximate"))),)
    return ()


def entries(data: dict[str, Any]) -> list[ListEntry]:
    return [
        ListEntry(
            "eval",
            e["id"],
            EntryKind.INDIVIDUAL,
            e["name"],
            aliases=tuple(Alias(a) for a in e["aliases"]),
            dates_of_birth=_birth(e["birth"]),
            nationalities=(e["nationality"],),
        )
        for e in data["entries"]
    ]


@dataclass
class Outcome:
    """Scores of every hit at or above :data:`CURVE_FLOOR`, per query."""

    queries: list[dict[str, Any]]
    hits: list[list[tuple[str, float]]]
    misses: list[dict[str, Any]] = field(default_factory=list)

    def at(self, threshold: float) -> dict[str, float]:
        tp = fp = found = 0
        positives = sum(q["expected"] is not None for q in self.queries)
        for query, hits in zip(self.queries, self.hits, strict=True):
            raised = [entry_id for entry_id, score in hits if score >= threshold]
            for entry_id in raised:
                if entry_id == query["expected"]:
                    tp += 1
                else:
                    fp += 1
            found += query["expected"] in raised
        return {
            "threshold": threshold,
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": found / positives if positives else 1.0,
            "tp": tp,
            "fp": fp,
            "fn": positives - found,
        }

    def curve(self, thresholds: Iterable[float]) -> list[dict[str, float]]:
        return [self.at(t) for t in thresholds]

    def errors(self, threshold: float) -> tuple[list[Any], list[Any]]:
        """(missed listed persons, false hits) at ``threshold``, for reading."""
        missed, false = [], []
        for query, hits in zip(self.queries, self.hits, strict=True):
            raised = {e: s for e, s in hits if s >= threshold}
            if query["expected"] is not None and query["expected"] not in raised:
                best = dict(hits).get(query["expected"])
                missed.append((query, best))
            for entry_id, score in raised.items():
                if entry_id != query["expected"]:
                    false.append((query, entry_id, score))
        return missed, false

    def by_tag(self, threshold: float) -> dict[str, tuple[int, int]]:
        """Recall per variant tag: tag -> (found, total)."""
        total: Counter[str] = Counter()
        found: Counter[str] = Counter()
        for query, hits in zip(self.queries, self.hits, strict=True):
            if query["expected"] is None:
                continue
            ok = any(e == query["expected"] and s >= threshold for e, s in hits)
            for tag in query["tags"]:
                total[tag] += 1
                found[tag] += ok
        return {tag: (found[tag], total[tag]) for tag in sorted(total)}


def evaluate(
    data: dict[str, Any] | None = None,
    queries: Sequence[dict[str, Any]] | None = None,
    index: ScreeningIndex | None = None,
) -> Outcome:
    data = data if data is not None else load_set()
    index = index if index is not None else ScreeningIndex(entries(data))
    chosen = list(queries if queries is not None else data["queries"])
    hits = []
    for query in chosen:
        dob = datetime.date.fromisoformat(query["dob"]) if query["dob"] else None
        found = index.screen(query["name"], dob, query["nationality"], threshold=CURVE_FLOOR)
        hits.append([(m.external_id, m.score) for m in found])
    return Outcome(chosen, hits)


__all__ = ["CURVE_FLOOR", "DEFAULT_THRESHOLD", "Outcome", "entries", "evaluate", "load_set"]
