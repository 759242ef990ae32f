"""Which archives to keep: grandfather-father-son (7 daily, 4 weekly, 12 monthly by default).

The same rule as ``restic forget --keep-daily/--keep-weekly/--keep-monthly``: walking from
the newest archive back, keep the newest archive of each of the last N days that have one,
of the last N ISO weeks that have one and of the last N months that have one. The newest
archive is always kept. Only names this module produced are ever considered for deletion.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable

PREFIX = "clientdesk-backup-"
SUFFIX = ".cdbak"
_NAME_RE = re.compile(rf"^{PREFIX}(\d{{8}}T\d{{6}})Z{re.escape(SUFFIX)}$")


def archive_name(when: dt.datetime) -> str:
    return f"{PREFIX}{when.astimezone(dt.UTC):%Y%m%dT%H%M%S}Z{SUFFIX}"


def stamp_of(name: str) -> dt.datetime | None:
    match = _NAME_RE.match(name)
    if not match:
        return None
    return dt.datetime.strptime(match[1], "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)


_BUCKETS: dict[str, Callable[[dt.datetime], tuple[int, ...]]] = {
    "daily": lambda t: (t.year, t.month, t.day),
    "weekly": lambda t: tuple(t.isocalendar()[:2]),
    "monthly": lambda t: (t.year, t.month),
}


def to_keep(names: Iterable[str], *, daily: int, weekly: int, monthly: int) -> set[str]:
    """The archive names to keep among ``names`` (names of other files are kept too)."""
    dated = [(stamp_of(n), n) for n in names]
    keep = {n for t, n in dated if t is None}
    archives = sorted(((t, n) for t, n in dated if t is not None), reverse=True)
    if archives:
        keep.add(archives[0][1])
    for kind, limit in (("daily", daily), ("weekly", weekly), ("monthly", monthly)):
        bucket_of, seen = _BUCKETS[kind], set[tuple[int, ...]]()
        for stamp, name in archives:
            bucket = bucket_of(stamp)
            if bucket in seen:
                continue
            if len(seen) >= limit:
                break
            seen.add(bucket)
            keep.add(name)
    return keep


def to_delete(names: Iterable[str], *, daily: int, weekly: int, monthly: int) -> list[str]:
    names = list(names)
    keep = to_keep(names, daily=daily, weekly=weekly, monthly=monthly)
    return sorted(n for n in names if n not in keep and stamp_of(n) is not None)
