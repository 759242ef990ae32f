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
