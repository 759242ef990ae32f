"""Report figures against hand-computed answers on small fixed data (firm zone Asia/Kolkata,
UTC+05:30): period boundaries, empty buckets, groupings, and drill-down counts."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.http import QueryDict
from factories import make_customer

from clientdesk.customers.filtersets import CustomerFilterSet
from clientdesk.customers.models import Customer
from clientdesk.reports import periods
from clientdesk.reports.catalogue import catalogue
from clientdesk.reports.figures import compute
from clientdesk.transactions.filtersets import TransactionFilterSet
from clientdesk.transactions.intake import intake_transactions
from clientdesk.transactions.models import Transaction

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MARCH = periods.Period("custom", dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def registrations(settings: Any, admin_user: Any, manager: Any) -> dict[str, Customer]:
    settings.TIME_ZONE = "Asia/Kolkata"
    return {
        "feb28_late": make_customer(actor=admin_user, created_at=at(2026, 2, 28, 18, 29)),
        "mar9_late": make_customer(
            actor=admin_user, city="Pune", created_at=at(2026, 3, 9, 18, 29)
        ),
        "mar10_early": make_customer(actor=manager, city="Pune", created_at=at(2026, 3, 9, 18, 31)),
        "mar31_late": make_customer(
            actor=admin_user, city="Mumbai", created_at=at(2026, 3, 31, 18, 29)
        ),
        "apr1_early": make_customer(
            actor=admin_user, city="Mumbai", created_at=at(2026, 3, 31, 18, 31)
        ),
    }


def _values(result: Any, column: str) -> dict[str, Any]:
    index = [c.key for c in result.columns].index(column)
    return {row.key: row.cells[index].value for row in result.rows}


def _total(result: Any, column: str) -> Any:
    return result.totals[[c.key for c in result.columns].index(column)]


def test_days_are_the_firms_days(registrations: Any, manager: Any) -> None:
    result = compute(catalogue()["registration"], MARCH, "day", manager)
    days = _values(result, "customers")
    assert len(days) == 31  # every day, quiet ones as 0
    assert days["2026-03-09"] == 1  # 18:29 UTC = 23:59 IST
    assert days["2026-03-10"] == 1  # 18:31 UTC = 00:01 IST the next day
    assert days["2026-03-31"] == 1
    assert days["2026-03-01"] == 0
    assert sum(days.values()) == 3 == _total(result, "customers").value


def test_weeks_and_months_are_clamped_to_the_period(registrations: Any, manager: Any) -> None:
    weeks = compute(catalogue()["registration"], MARCH, "week", manager)
    first = weeks.rows[0]
    assert (first.key, first.start, first.end) == (
        "2026-02-23",
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 1),
    )
    assert weeks.rows[-1].end == dt.date(2026, 3, 31)
    assert _values(weeks, "customers") == {
        "2026-02-23": 0,
        "2026-03-02": 0,
        "2026-03-09": 2,
        "2026-03-16": 0,
        "2026-03-23": 0,
        "2026-03-30": 1,
    }
    months = compute(catalogue()["registration"], MARCH, "month", manager)
    assert _values(months, "customers") == {"2026-03-01": 3}


def test_grouped_by_city_and_by_user(registrations: Any, manager: Any, admin_user: Any) -> None:
    by_city = compute(catalogue()["registration"], MARCH, "city", manager)
    assert _values(by_city, "customers") == {"Pune": 2, "Mumbai": 1}
    assert [r.label for r in by_city.rows] == ["Pune", "Mumbai"]  # biggest first
    by_user = compute(catalogue()["registration"], MARCH, "user", manager)
    assert _values(by_user, "customers") == {str(admin_user.pk): 2, str(manager.pk): 1}


def test_an_empty_period(registrations: Any, manager: Any) -> None:
    empty = periods.Period("custom", dt.date(2025, 1, 1), dt.date(2025, 1, 3))
    result = compute(catalogue()["registration"], empty, "day", manager)
    assert _values(result, "customers") == {"2025-01-01": 0, "2025-01-02": 0, "2025-01-03": 0}
    assert _total(result, "customers").value == 0
    assert compute(catalogue()["registration"], empty, "city", manager).rows == []


def _list_count(filterset: Any, model: Any, url: str, user: Any) -> int:
    query = QueryDict(urlsplit(url).query)
    fs = filterset(query, queryset=model.objects.visible_to(user))
    assert fs.is_valid(), fs.errors
    return int(fs.qs.count())


@pytest.mark.parametrize("grouping", ["day", "week", "city", "user", "status"])
def test_drill_down_counts_equal_the_figures(
    registrations: Any, manager: Any, grouping: str
) -> None:
    result = compute(catalogue()["registration"], MARCH, grouping, manager)
    index = [c.key for c in result.columns].index("customers")
    cells = [row.cells[index] for row in result.rows] + [result.totals[index]]
    assert any(c.value for c in cells)
    for cell in cells:
        if cell.url:
            assert _list_count(CustomerFilterSet, Customer, cell.url, manager) == cell.value, (
                cell.url
            )


@pytest.fixture
def march_transactions(settings: Any, admin_user: Any) -> None:
    settings.TIME_ZONE = "Asia/Kolkata"
    who = make_customer(actor=admin_user)
    Customer.objects.filter(pk=who.pk).update(status="active")
    who.refresh_from_db()
    rows = [
        ("T1", at(2026, 3, 9, 18, 29), "100.00", "deposit"),  # IST Mar 9
        ("T2", at(2026, 3, 9, 18, 31), "250.50", "deposit"),  # IST Mar 10
        ("T3", at(2026, 3, 10, 5, 0), "49.50", "withdrawal"),  # IST Mar 10
        ("T4", at(2026, 2, 28, 18, 31), "999.00", "deposit"),  # IST Mar 1
        ("T5", at(2026, 2, 28, 18, 29), "7.00", "deposit"),  # IST Feb 28: outside
    ]
    data = [
        {
            "transaction_id": tid,
            "customer": who.client_id,
            "occurred_at": when.isoformat(),
            "amount": amount,
            "currency": "INR",
            "type": kind,
        }
        for tid, when, amount, kind in rows
    ]
    result = intake_transactions(data, actor=admin_user)
    assert not result.errors, result.errors
    assert Transaction.objects.count() == 5


def test_activity_counts_and_volume(march_transactions: None, manager: Any) -> None:
    from decimal import Decimal

    result = compute(catalogue()["activity"], MARCH, "day", manager)
    counts, volume = _values(result, "transactions"), _values(result, "volume")
    assert (counts["2026-03-01"], counts["2026-03-09"], counts["2026-03-10"]) == (1, 1, 2)
    assert volume["2026-03-10"] == Decimal("300.00")
    assert _total(result, "transactions").value == 4
    assert _total(result, "volume").value == Decimal("1399.00")
    by_type = compute(catalogue()["activity"], MARCH, "type", manager)
    assert _values(by_type, "transactions") == {"deposit": 3, "withdrawal": 1}
    for row in [*by_type.rows, by_type]:  # rows, then the totals
        cell = row.cells[0] if hasattr(row, "cells") else row.totals[0]
        assert _list_count(TransactionFilterSet, Transaction, cell.url, manager) == cell.value


def test_a_role_sees_only_the_columns_of_lists_it_reads(compliance: Any, manager: Any) -> None:
    keys = [c.key for c in compute(catalogue()["compliance"], MARCH, "day", compliance).columns]
    assert keys == ["alerts", "registered"]
    support_like = [c.key for c in compute(catalogue()["team"], MARCH, "user", manager).columns]
    assert "tickets" in support_like


def test_presets() -> None:
    today = dt.date(2026, 5, 14)  # a Thursday
    got = {p: periods.resolve(p, today=today) for p, _ in periods.PRESETS if p != "custom"}
    assert (got["today"].start, got["today"].end) == (today, today)
    assert got["this_week"].start == dt.date(2026, 5, 11)
    assert got["last_7"].start == dt.date(2026, 5, 8)
    assert got["last_30"].days == 30 and got["last_90"].days == 90
    assert (got["this_month"].start, got["this_month"].end) == (dt.date(2026, 5, 1), today)
    assert (got["last_month"].start, got["last_month"].end) == (
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 30),
    )
    assert got["this_quarter"].start == dt.date(2026, 4, 1)
    assert got["this_year"].start == dt.date(2026, 1, 1)
