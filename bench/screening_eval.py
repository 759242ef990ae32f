#!/usr/bin/env python
"""Screening accuracy on the generated evaluation set (``make bench BENCH=screening_eval``).

    .venv/bin/python bench/screening_eval.py                 # precision/recall and the curve
    .venv/bin/python bench/screening_eval.py --regenerate    # rewrite the set from its seed
    .venv/bin/python bench/screening_eval.py --errors 30     # print misses and false hits

Prints precision and recall at the default threshold, recall per variant kind, and the
precision/recall curve over thresholds 60-100 (a markdown table). No database is touched.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from clientdesk.screening.evaluation import evaluate, load_set  # noqa: E402
from clientdesk.screening.evaluation.generator import write  # noqa: E402
from clientdesk.screening.matching import DEFAULT_THRESHOLD  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--errors", type=int, default=0, help="print this many of each error")
    args = parser.parse_args()
    if args.regenerate:
        write()
    data = load_set()
    start = time.perf_counter()
    outcome = evaluate(data)
    took = time.perf_counter() - start
    queries = data["queries"]
    listed = sum(q["expected"] is not None for q in queries)
    print(
        f"# Screening evaluation: {len(data['entries'])} listed persons, {len(queries)} queries "
        f"({listed} of listed persons, {len(queries) - listed} not listed); {took:.1f} s\n"
    )
    at = outcome.at(args.threshold)
    print(
        f"At the threshold {args.threshold:g}: precision {at['precision']:.3f}, recall "
        f"{at['recall']:.3f} (true hits {at['tp']}, false hits {at['fp']}, missed {at['fn']})\n"
    )
    print("| variant kind | recall |\n|---|---|")
    for tag, (found, total) in outcome.by_tag(args.threshold).items():
        print(f"| {tag} | {found / total:.3f} ({found}/{total}) |")
    print("\n| threshold | precision | recall | false hits | missed |\n|---|---|---|---|---|")
    for row in outcome.curve(range(60, 101, 5)):
        print(
            f"| {row['threshold']:g} | {row['precision']:.3f} | {row['recall']:.3f} "
            f"| {row['fp']} | {row['fn']} |"
        )
    if args.errors:
        missed, false = outcome.errors(args.threshold)
        print(f"\nMissed ({len(missed)}):")
        for query, best in missed[: args.errors]:
            print(
                f"  {query['name']!r} dob={query['dob']} -> {query['expected']} best={best} "
                f"{query['tags']}"
            )
        print(f"\nFalse hits ({len(false)}):")
        names = {e["id"]: e["name"] for e in data["entries"]}
        for query, entry_id, score in false[: args.errors]:
            print(
                f"  {query['name']!r} dob={query['dob']} -> {names[entry_id]!r} ({entry_id}) "
                f"{score} {query['kind']}"
            )


if __name__ == "__main__":
    main()
