"""Proof that the books add up: every balance is the sum of its ledger.

``manage.py reconcile_balances`` calls ``reconcile``; a non-empty result means a mismatch.
PostgreSQL compares in SQL (exact ``numeric``) and returns only the mismatches; SQLite stores
decimals as floating point, so there the sums are compared in Python after rounding to the
stored number of places.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from clientdesk.customers.models import Customer

from .models import AMOUNT_PLACES, Account, CustomerTotals, LedgerEntry, Transaction

Q3 = Decimal(1).scaleb(-AMOUNT_PLACES)
Q2 = Decimal("0.01")


@dataclass(frozen=True)
class Mismatch:
    kind: str  # "account" | "customer"
    pk: int
    stored: str
    expected: str

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}: stored {self.stored}, ledger says {self.expected}"


def _rows(sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def _names() -> dict[str, str]:
    q = connection.ops.quote_name
    return {
        "account": q(Account._meta.db_table),
        "ledger": q(LedgerEntry._meta.db_table),
        "tx": q(Transaction._meta.db_table),
        "customer": q(Customer._meta.db_table),
        "totals": q(CustomerTotals._meta.db_table),
    }


def check_accounts() -> list[Mismatch]:
    """Accounts whose balance or entry count differs from their ledger."""
    n = _names()
    sql = (
        f"SELECT a.id, a.balance, COALESCE(s.total, 0), a.entry_count, COALESCE(s.n, 0) "  # noqa: S608 - table names only
        f"FROM {n['account']} a LEFT JOIN (SELECT account_id, SUM(amount) AS total, "
        f"COUNT(*) AS n FROM {n['ledger']} GROUP BY account_id) s ON s.account_id = a.id"
    )
    if connection.vendor == "postgresql":
        sql += " WHERE a.balance <> COALESCE(s.total, 0) OR a.entry_count <> COALESCE(s.n, 0)"
    found = []
    for pk, balance, total, count, n_entries in _rows(sql):
        stored = Decimal(str(balance)).quantize(Q3)
        expected = Decimal(str(total)).quantize(Q3)
        if stored != expected or count != n_entries:
            found.append(
                Mismatch(
                    "account",
                    pk,
                    f"{stored} ({count} entries)",
                    f"{expected} ({n_entries} entries)",
                )
            )
    return found


def check_customers() -> list[Mismatch]:
    """Customers whose totals row (``CustomerTotals``) differs from their successful
    transactions, or who have no totals row at all."""
    n = _names()
    sql = (
        f"SELECT c.id, COALESCE(t.volume, 0), COALESCE(s.total, 0), COALESCE(t.count, 0), "  # noqa: S608 - table names only
        f"COALESCE(s.n, 0), t.customer_id IS NULL FROM {n['customer']} c "
        f"LEFT JOIN {n['totals']} t ON t.customer_id = c.id LEFT JOIN (SELECT customer_id, "
        f"SUM(amount_base) AS total, COUNT(*) AS n FROM {n['tx']} WHERE status = 'successful' "
        f"GROUP BY customer_id) s ON s.customer_id = c.id"
    )
    if connection.vendor == "postgresql":
        sql += (
            " WHERE t.customer_id IS NULL OR COALESCE(t.volume, 0) <> COALESCE(s.total, 0) "
            "OR COALESCE(t.count, 0) <> COALESCE(s.n, 0)"
        )
    found = []
    for pk, volume, total, count, n_tx, no_row in _rows(sql):
        stored = Decimal(str(volume)).quantize(Q2)
        expected = Decimal(str(total)).quantize(Q2)
        if no_row or stored != expected or count != n_tx:
            found.append(
                Mismatch(
                    "customer",
                    pk,
                    "no totals row" if no_row else f"{stored} ({count} transactions)",
                    f"{expected} ({n_tx} transactions)",
                )
            )
    return found


def reconcile(*, customers: bool = True) -> list[Mismatch]:
    return check_accounts() + (check_customers() if customers else [])
