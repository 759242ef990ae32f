"""Report periods: the presets and a custom range, as dates in the firm's time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

PRESETS = [
    ("today", "Today"),
    ("this_week", "This week"),
    ("last_7", "Last 7 days"),
    ("last_30", "Last 30 days"),
    ("last_90", "Last 90 days"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("this_quarter", "This quarter"),
    ("this_year", "This year"),
    ("custom", "Custom range"),
]
LABELS = dict(PRESETS)
DEFAULT = "last_30"


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end`` inclusive, in settings.TIME_ZONE."""

    preset: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        name = LABELS.get(self.preset, "Custom range")
        return f"{name}: {self.start:%d %b %Y} – {self.end:%d %b %Y}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware datetimes [start of the first day, start of the day after the last)."""
        return day_start(self.start), day_start(self.end + dt.timedelta(days=1))


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def resolve(
    preset: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
) -> Period:
    """The period a preset names on ``today`` (the firm's today by default)."""
    today = today or timezone.localdate()
    if preset == "custom" and start and end:
        return Period(preset, start, end)
    if preset == "today":
        return Period(preset, today, today)
    if preset == "this_week":
        return Period(preset, today - dt.timedelta(days=today.weekday()), today)
    if preset in {"last_7", "last_30", "last_90"}:
        n = int(preset.split("_")[1])
        return Period(preset, today - dt.timedelta(days=n - 1), today)
    if preset == "this_month":
        return Period(preset, _month_start(today), today)
    if preset == "last_month":
        end_day = _month_start(today) - dt.timedelta(days=1)
        return Period(preset, _month_start(end_day), end_day)
    if preset == "this_quarter":
        first_month = (today.month - 1) // 3 * 3 + 1
        return Period(preset, today.replace(month=first_month, day=1), today)
    if preset == "this_year":
        return Period(preset, today.replace(month=1, day=1), today)
    return resolve(DEFAULT, today=today)


def buckets(period: Period, grouping: str) -> list[tuple[dt.date, dt.date, dt.date]]:
    """Every day, week (Monday first) or month touching the period, clamped to it: empty
    ones included, so a quiet day shows as a zero rather than a gap. Each is (the bucket's
    own first day, the first and last day of it inside the period)."""
    out: list[tuple[dt.date, dt.date, dt.date]] = []
    cursor = period.start
    while cursor <= period.end:
        if grouping == "day":
            key, nxt = cursor, cursor + dt.timedelta(days=1)
        elif grouping == "week":
            key = cursor - dt.timedelta(days=cursor.weekday())
            nxt = key + dt.timedelta(days=7)
        else:
            key = _month_start(cursor)
            nxt = (key + dt.timedelta(days=32)).replace(day=1)
        out.append((key, max(key, period.start), min(nxt - dt.timedelta(days=1), period.end)))
        cursor = nxt
    return out
