"""Every report's figures, computed here and only here: the page, the exports and the API
all render what :func:`compute` returns.

A report is a list of metrics. A metric counts (or sums) rows of one list the user can
already open (its ``visible_to`` queryset), in the period, grouped by a time bucket
(day/week/month in the firm's time zone) or by a dimension (city, channel, user...). Each
metric is one GROUP BY query; nothing loops over rows in Python. Every figure carries the
URL of the list that makes it up, with that list's own FilterSet parameters, so the list's
count is the figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, DateTimeField, QuerySet, Sum
from django.db.models.functions import Trunc
from django.urls import reverse
from django.utils import timezone

from clientdesk.core.permissions import has_access

from .periods import Period, buckets

TIME_GROUPINGS = {"day": "Day", "week": "Week", "month": "Month"}
MAX_DAY_BUCKETS = 400


@dataclass(frozen=True)
class Dim:
    """A grouping other than time: the ORM path grouped on and the list parameter that
    filters the list to one group."""

    field: str
    param: str
    choices: dict[str, str] | None = None  # value -> label; None: the value (or a user)
    user: bool = False  # the field is a user: labelled by name
    multi: bool = False  # a many-to-many: one row may count in several groups
    name: str = ""  # a field naming the group (e.g. the rule's name)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    module: str
    rows: Callable[[Any], QuerySet[Any]]  # user -> restricted queryset
    date_field: str
    list_url: str
    after: str
    before: str
    dims: dict[str, Dim] = field(default_factory=dict)
    where: dict[str, Any] = field(default_factory=dict)  # ORM filter ...
    params: dict[str, Any] = field(default_factory=dict)  # ... and the same as list params
    total_of: str = ""  # sum this field instead of counting rows
    kind: str = "int"  # int | money


@dataclass(frozen=True)
class Ratio:
    key: str
    label: str
    numerator: str
    denominator: str
    kind: str = "percent"  # percent | number


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    description: str
    columns: list[Metric | Ratio]
    groupings: dict[str, str]  # key -> label (time groupings + dims)
    default_grouping: str = "day"


@dataclass
class Cell:
    value: int | Decimal | float | None
    url: str = ""


@dataclass
class Row:
    key: str
    label: str
    cells: list[Cell]
    start: dt.date | None = None  # time buckets
    end: dt.date | None = None


@dataclass
class Column:
    key: str
    label: str
    kind: str


@dataclass
class Result:
    report: Report
    period: Period
    grouping: str
    grouping_label: str
    columns: list[Column]
    rows: list[Row]
    totals: list[Cell]

    @property
    def name(self) -> str:
        return self.report.name

    @property
    def title(self) -> str:
        return self.report.title


# ----------------------------------------------------------------------------- compute


def compute(report: Report, period: Period, grouping: str, user: Any) -> Result:
    """The report's table for ``user``: one query per metric the user's role can read."""
    columns = [c for c in report.columns if _readable(c, report, user)]
    metrics = [c for c in columns if isinstance(c, Metric)]
    is_time = grouping in TIME_GROUPINGS
    if is_time:
        spans = buckets(period, grouping)
        keys = [(k.isoformat(), _bucket_label(k, grouping)) for k, _, _ in spans]
        span_of = {k.isoformat(): (s, e) for k, s, e in spans}
    values: dict[str, dict[str, Any]] = {}
    labels: dict[str, str] = {}
    for metric in metrics:
        got, names = _grouped(metric, period, grouping, user)
        values[metric.key] = got
        labels.update(names)
    if not is_time:
        order = sorted(
            {k for got in values.values() for k in got},
            key=lambda k: (-_first_value(values, metrics, k), labels.get(k, k)),
        )
        keys = [(k, labels.get(k, k)) for k in order]
        span_of = {}
    rows = []
    for key, label in keys:
        start, end = span_of.get(key, (period.start, period.end))
        cells = [_cell(c, values, key, grouping, start, end, period) for c in columns]
        rows.append(Row(key, label, cells, *(span_of.get(key, (None, None)))))
    totals = [_total(c, values, rows, columns, grouping, period, user) for c in columns]
    return Result(
        report,
        period,
        grouping,
        report.groupings.get(grouping, grouping),
        [Column(c.key, c.label, c.kind) for c in columns],
        rows,
        totals,
    )


def _readable(column: Metric | Ratio, report: Report, user: Any) -> bool:
    if isinstance(column, Metric):
        return has_access(user, column.module)
    by_key = {c.key: c for c in report.columns if isinstance(c, Metric)}
    return all(has_access(user, by_key[k].module) for k in (column.numerator, column.denominator))


def _in_period(metric: Metric, period: Period, user: Any) -> QuerySet[Any]:
    start, end = period.bounds()
    return metric.rows(user).filter(
        **{f"{metric.date_field}__gte": start, f"{metric.date_field}__lt": end}, **metric.where
    )


def _aggregate(metric: Metric) -> Any:
    return Sum(metric.total_of) if metric.total_of else Count("pk")


def _grouped(
    metric: Metric, period: Period, grouping: str, user: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """{group key: value} and {group key: label} of one metric: one GROUP BY query."""
    qs = _in_period(metric, period, user).order_by()
    if grouping in TIME_GROUPINGS:
        zone = ZoneInfo(settings.TIME_ZONE)
        bucket = Trunc(metric.date_field, grouping, output_field=DateTimeField(), tzinfo=zone)
        found = qs.annotate(bucket=bucket).values("bucket").annotate(v=_aggregate(metric))
        return {_bucket_key(r["bucket"], zone): r["v"] or 0 for r in found}, {}
    dim = metric.dims.get(grouping)
    if dim is None:
        return {}, {}
    extra = [f"{dim.field}__first_name", f"{dim.field}__last_name", f"{dim.field}__username"]
    names = [dim.field, *(extra if dim.user else []), *([dim.name] if dim.name else [])]
    found = qs.values(*names).annotate(v=_aggregate(metric))
    got, labels = {}, {}
    for r in found:
        key = "" if r[dim.field] is None else str(r[dim.field])
        got[key] = r["v"] or 0
        labels[key] = _dim_label(dim, r, key)
    return got, labels


def _bucket_key(value: dt.datetime | dt.date, zone: ZoneInfo) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value, zone).date() if timezone.is_aware(value) else value.date()
    return value.isoformat()


def _dim_label(dim: Dim, row: dict[str, Any], key: str) -> str:
    if key == "":
        return "Unassigned" if dim.user else "(none)"
    if dim.user:
        name = f"{row[f'{dim.field}__first_name']} {row[f'{dim.field}__last_name']}".strip()
        return name or row[f"{dim.field}__username"]
    if dim.name:
        return str(row[dim.name])
    if dim.choices is not None:
        return dim.choices.get(key, key)
    return key


def _bucket_label(start: dt.date, grouping: str) -> str:
    if grouping == "day":
        return f"{start:%a %d %b %Y}"
    if grouping == "week":
        return f"Week of {start:%d %b %Y}"
    return f"{start:%B %Y}"


def _first_value(values: dict[str, dict[str, Any]], metrics: list[Metric], key: str) -> float:
    for metric in metrics:
        if key in values.get(metric.key, {}):
            return float(values[metric.key][key])
    return 0.0


def _cell(
    column: Metric | Ratio,
    values: dict[str, dict[str, Any]],
    key: str,
    grouping: str,
    start: dt.date,
    end: dt.date,
    period: Period,
) -> Cell:
    if isinstance(column, Ratio):
        return Cell(
            _ratio(
                column,
                values.get(column.numerator, {}).get(key),
                values.get(column.denominator, {}).get(key),
            )
        )
    if grouping not in TIME_GROUPINGS and grouping not in column.dims:
        return Cell(None)
    value = values[column.key].get(key, 0)
    dim = column.dims.get(grouping)
    if dim is not None and key == "":
        return Cell(value)  # no list parameter selects "none"
    extra = {dim.param: key} if dim is not None else {}
    return Cell(value, drill_url(column, start, end, extra))


def _ratio(column: Ratio, num: Any, den: Any) -> float | None:
    if not den:
        return None
    value = float(num or 0) / float(den)
    return round(value * 100, 1) if column.kind == "percent" else round(value, 2)


def _total(
    column: Metric | Ratio,
    values: dict[str, dict[str, Any]],
    rows: list[Row],
    columns: list[Metric | Ratio],
    grouping: str,
    period: Period,
    user: Any,
) -> Cell:
    if isinstance(column, Ratio):
        num = _metric_total(columns, column.numerator, rows, grouping, period, user)
        den = _metric_total(columns, column.denominator, rows, grouping, period, user)
        return Cell(_ratio(column, num, den))
    if grouping not in TIME_GROUPINGS and grouping not in column.dims:
        return Cell(None)
    value = _metric_total(columns, column.key, rows, grouping, period, user)
    return Cell(value, drill_url(column, period.start, period.end, {}))


def _metric_total(
    columns: list[Metric | Ratio],
    key: str,
    rows: list[Row],
    grouping: str,
    period: Period,
    user: Any,
) -> Any:
    index = next(i for i, c in enumerate(columns) if c.key == key)
    metric = columns[index]
    assert isinstance(metric, Metric)
    dim = metric.dims.get(grouping)
    if dim is not None and dim.multi:
        # A ticket with two assignees counts in both rows: the total is counted, not summed.
        return _in_period(metric, period, user).aggregate(v=_aggregate(metric))["v"] or 0
    return sum((r.cells[index].value or 0) for r in rows)


def drill_url(metric: Metric, start: dt.date, end: dt.date, extra: dict[str, Any]) -> str:
    params: list[tuple[str, Any]] = [
        (metric.after, start.isoformat()),
        (metric.before, end.isoformat()),
    ]
    for name, value in {**metric.params, **extra}.items():
        for v in value if isinstance(value, list | tuple) else [value]:
            params.append((name, v))
    return f"{reverse(metric.list_url)}?{urlencode(params)}"


def groupings_for(*dims: tuple[str, str]) -> dict[str, str]:
    return {**TIME_GROUPINGS, **dict(dims)}


def as_rows(result: Result) -> Iterable[list[Any]]:
    """Plain rows for the exports: the group label then every column's value."""
    for row in result.rows:
        yield [row.label, *(c.value for c in row.cells)]


def user_model() -> Any:
    return get_user_model()
