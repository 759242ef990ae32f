"""Filters shared by every FilterSet."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone


class DayBoundFilter(filters.DateFilter):
    """A date bound on a datetime column that keeps the column's index usable.

    ``bound="from"`` keeps rows at or after the start of that day; ``bound="to"`` keeps rows
    before the start of the next day (in the site's time zone).
    """

    def __init__(self, *args: Any, bound: str = "from", **kwargs: Any) -> None:
        self.bound = bound
        # A native date picker; it sends and shows ISO dates whatever the locale.
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: dt.date | None) -> QuerySet[Any]:
        if not value:
            return qs
        day = value if self.bound == "from" else value + dt.timedelta(days=1)
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        lookup = "gte" if self.bound == "from" else "lt"
        return qs.filter(**{f"{self.field_name}__{lookup}": start})


# The widest integer a database column here holds (PostgreSQL bigint, SQLite INTEGER).
BIGINT_MAX = 2**63 - 1


class NumberFilter(filters.NumberFilter):
    """A number filter whose value fits a bigint: the one every FilterSet uses.

    django-filter's own passes any decimal on, so ``customer=1e30`` reached SQLite as an
    integer it cannot bind (OverflowError, a 500) in every list with a number filter. Here a
    value outside the bigint range is a field error on that parameter (400 in the API, a
    message on the page), like any other invalid filter.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", -BIGINT_MAX)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)
