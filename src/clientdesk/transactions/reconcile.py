"""Proof that the books add up: every balance is the sum of its ledger, and every reference
of a transaction or ledger entry points at a row that exists and belongs with it.

``manage.py reconcile_balances`` calls ``reconcile``; a non-empty result means a mismatch.
The references are not database foreign keys (migration ``0006``: the intake writes them from
rows it holds in the same transaction), so this is where they are proved.
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

from .models import (
    AMOUNT_PLACES,
    Account,
    CustomerTotals,
    Device,
    LedgerEntry,
    Merchant,
    Transaction,
)

Q3 = Decimal(1).scaleb(-AMOUNT_PLACES)
Q2 = Decimal("0.01")


@dataclass(frozen=True)
class Mismatch:
    kind: str  # "account" | "customer" | "transaction" | "ledger entry"
    pk: int
    stored: str
    expected: str
    problem: str = ""  # a broken reference, said in words

    def __str__(self) -> str:
        if self.problem:
            return f"{self.kind} {self.pk}: {self.problem}"
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
        "merchant": q(Merchant._meta.db_table),
        "device": q(Device._meta.db_table),
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


def check_references() -> list[Mismatch]:
    """Transactions whose customer, account, merchant or device does not exist, or whose
    account is another customer's; ledger entries whose transaction does not exist or posts to
    another account than the entry's.

    An account that exists belongs to a customer that exists (that one is a foreign key), so
    the customer is looked up only for a transaction without an account."""
    n = _names()
    found = []
    sql = (
        f"SELECT t.id, t.customer_id, t.account_id, a.id IS NULL, a.customer_id, "  # noqa: S608 - table names only
        f"t.merchant_id, m.id IS NULL, t.device_id, d.id IS NULL "
        f"FROM {n['tx']} t LEFT JOIN {n['account']} a ON a.id = t.account_id "
        f"LEFT JOIN {n['merchant']} m ON m.id = t.merchant_id "
        f"LEFT JOIN {n['device']} d ON d.id = t.device_id "
        f"WHERE (t.account_id IS NOT NULL AND (a.id IS NULL OR a.customer_id <> t.customer_id)) "
        f"OR (t.account_id IS NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {n['customer']} c WHERE c.id = t.customer_id)) "
        f"OR (t.merchant_id IS NOT NULL AND m.id IS NULL) "
        f"OR (t.device_id IS NOT NULL AND d.id IS NULL) ORDER BY t.id"
    )
    for row in _rows(sql):
        pk, customer, account, no_account, owner, merchant, no_merchant, device, no_device = row
        problems = []
        if account is None:
            problems.append(f"customer {customer} does not exist")
        elif no_account:
            problems.append(f"account {account} does not exist")
        elif owner != customer:
            problems.append(f"account {account} is customer {owner}'s, not customer {customer}'s")
        if merchant is not None and no_merchant:
            problems.append(f"merchant {merchant} does not exist")
        if device is not None and no_device:
            problems.append(f"device {device} does not exist")
        found.append(Mismatch("transaction", pk, "", "", problem="; ".join(problems)))
    sql = (
        f"SELECT l.id, l.transaction_id, l.account_id, t.id IS NULL, t.account_id "  # noqa: S608 - table names only
        f"FROM {n['ledger']} l LEFT JOIN {n['tx']} t ON t.id = l.transaction_id "
        f"WHERE t.id IS NULL OR t.account_id IS NULL OR t.account_id <> l.account_id "
        f"ORDER BY l.id"
    )
    for pk, transaction, account, no_transaction, posted_to in _rows(sql):
        problem = (
            f"transaction {transaction} does not exist"
            if no_transaction
            else f"posts to account {account}, its transaction {transaction} is on "
            f"{'no account' if posted_to is None else f'account {posted_to}'}"
        )
        found.append(Mismatch("ledger entry", pk, "", "", problem=problem))
    return found


def reconcile(*, customers: bool = True, references: bool = True) -> list[Mismatch]:
    found = check_accounts() + (check_customers() if customers else [])
    return found + (check_references() if references else [])
