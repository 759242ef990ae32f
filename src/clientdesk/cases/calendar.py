"""Working days for regulatory deadlines: Monday to Friday, minus Indian public holidays
(the ``holidays`` package, country ``settings.CASES_HOLIDAY_COUNTRY``) and the firm's own
list (``settings.CASES_EXTRA_HOLIDAYS``: ISO dates, e.g. a state holiday or a bank closure).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
from django.conf import settings

STR_WORKING_DAYS = 7  # PMLA (Maintenance of Records) Rules, rule 8: within seven working days


@lru_cache(maxsize=64)
def _public(country: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, years=year))


def extra_holidays() -> frozenset[dt.date]:
    return frozenset(dt.date.fromisoformat(d) for d in settings.CASES_EXTRA_HOLIDAYS if d)


def is_working_day(day: dt.date) -> bool:
    if day.weekday() >= 5:
        return False
    if day in _public(settings.CASES_HOLIDAY_COUNTRY, day.year):
        return False
    return day not in extra_holidays()


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    day, left = start, days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when end < start)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(
        1 for n in range(1, (end - start).days + 1) if is_working_day(start + dt.timedelta(n))
    )


def str_due_on(concluded_on: dt.date) -> dt.date:
    return add_working_days(concluded_on, STR_WORKING_DAYS)


def ctr_due_on(month: dt.date) -> dt.date:
    """The 15th of the month after ``month`` (the CTR filing date)."""
    nxt = (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return nxt.replace(day=15)
