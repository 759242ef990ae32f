"""The intake tables' references (transactions, ledger entries) are not database foreign keys
(migration 0006): the reconciliation proves them, and PostgreSQL refuses to delete or
renumber a row they point to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from clientdesk.customers.models import Customer
from clientdesk.transactions.intake import intake_transactions
from clientdesk.transactions.models import Account, Device, LedgerEntry, Merchant, Transaction
from clientdesk.transactions.reconcile import check_references, reconcile

UNCONSTRAINED = {
    Transaction: ("customer_id", "account_id", "merchant_id", "device_id"),
    LedgerEntry: ("account_id", "transaction_id"),
}


def _foreign_keys(model: type) -> set[str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {c["columns"][0] for c in found.values() if c["foreign_key"]}


@pytest.mark.django_db
def test_only_the_intake_references_lose_their_foreign_keys() -> None:
    assert not _foreign_keys(Transaction) & set(UNCONSTRAINED[Transaction])
    assert not _foreign_keys(LedgerEntry) & set(UNCONSTRAINED[LedgerEntry])
    assert "original_id" in _foreign_keys(Transaction)  # a rare reference keeps its key
    assert "customer_id" in _foreign_keys(Account)


@pytest.fixture
def payment(admin_user: Any, active_customer: Customer, make_row: Callable[..., Any]) -> Any:
    """A deposit and a payment at a merchant on a phone: two transactions, two entries."""
    result = intake_transactions(
        [
            make_row(active_customer, amount="100"),
            make_row(
                active_customer,
                type="payment",
                amount="30",
                merchant_id="M-REF",
                device_id="PHONE-REF",
            ),
        ],
        actor=admin_user,
    )
    assert check_references() == []
    return Transaction.objects.get(pk=result.created[1]["id"])


def _missing(model: type) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def test_reconcile_reports_a_missing_merchant_and_device(payment: Transaction) -> None:
    merchant, device = _missing(Merchant), _missing(Device)
    Transaction.objects.filter(pk=payment.pk).update(merchant_id=merchant, device_id=device)
    [found] = reconcile()
    assert (found.kind, found.pk) == ("transaction", payment.pk)
    assert str(found) == (
        f"transaction {payment.pk}: merchant {merchant} does not exist; "
        f"device {device} does not exist"
    )


def test_reconcile_reports_an_account_of_another_customer(
    payment: Transaction, other_customer: Customer, admin_user: Any, make_row: Any
) -> None:
    intake_transactions([make_row(other_customer, amount="5")], actor=admin_user)
    theirs = Account.objects.get(customer=other_customer)
    Transaction.objects.filter(pk=payment.pk).update(account_id=theirs.pk)
    problems = [str(m) for m in check_references()]
    assert problems == [
        f"transaction {payment.pk}: account {theirs.pk} is customer {other_customer.pk}'s, "
        f"not customer {payment.customer_id}'s",
        # its ledger entry still posts to the customer's own account
        f"ledger entry {payment.entries.get().pk}: posts to account {payment.account_id}, "
        f"its transaction {payment.pk} is on account {theirs.pk}",
    ]


def test_reconcile_reports_missing_account_and_customer(payment: Transaction) -> None:
    entry = payment.entries.get()
    account = _missing(Account)
    Transaction.objects.filter(pk=payment.pk).update(account_id=account)
    assert [m.problem for m in check_references()] == [
        f"account {account} does not exist",
        f"posts to account {payment.account_id}, its transaction {payment.pk} is on "
        f"account {account}",
    ]
    customer = _missing(Customer)
    Transaction.objects.filter(pk=payment.pk).update(account_id=None, customer_id=customer)
    assert [(m.kind, m.pk, m.problem) for m in check_references()] == [
        ("transaction", payment.pk, f"customer {customer} does not exist"),
        (
            "ledger entry",
            entry.pk,
            f"posts to account {payment.account_id}, its transaction {payment.pk} is on no account",
        ),
    ]


def test_reconcile_reports_a_ledger_entry_without_its_transaction(payment: Transaction) -> None:
    entry = payment.entries.get()
    missing = _missing(Transaction)
    LedgerEntry.objects.filter(pk=entry.pk).update(transaction_id=missing)
    assert [str(m) for m in check_references()] == [
        f"ledger entry {entry.pk}: transaction {missing} does not exist"
    ]
    assert reconcile(references=False) == []
    with pytest.raises(CommandError, match="MISMATCH: 1 record"):
        call_command("reconcile_balances")
    call_command("reconcile_balances", "--skip-references")


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no guard triggers (Django empties its tables with DELETE in any order)",
)


def _refused(sql: str, params: list[Any]) -> None:
    with (
        pytest.raises(IntegrityError, match="violates the reference from"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


@postgres_only
def test_postgres_refuses_to_delete_what_the_intake_refers_to(payment: Transaction) -> None:
    entry = payment.entries.get()
    # Raw SQL: the ORM's PROTECT would refuse before the database is asked.
    for model, pk in (
        (Merchant, payment.merchant_id),
        (Device, payment.device_id),
        (Account, payment.account_id),
        (Customer, payment.customer_id),
        (Transaction, payment.pk),
    ):
        table = connection.ops.quote_name(model._meta.db_table)
        _refused(f"DELETE FROM {table} WHERE id = %s", [pk])
        _refused(f"UPDATE {table} SET id = id + 1000000 WHERE id = %s", [pk])
    LedgerEntry.objects.filter(pk=entry.pk).delete()  # the entry no longer refers to it
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(Transaction._meta.db_table)} WHERE id = %s",
            [payment.pk],
        )
    assert not Transaction.objects.filter(pk=payment.pk).exists()


@postgres_only
def test_postgres_guards_let_other_changes_through(payment: Transaction) -> None:
    Merchant.objects.filter(pk=payment.merchant_id).update(name="Renamed")
    Device.objects.filter(pk=payment.device_id).update(status="blocked")
    unused = Merchant.objects.create(merchant_id="M-UNUSED", name="Unused")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM transactions_merchant WHERE id = %s", [unused.pk])
    assert not Merchant.objects.filter(pk=unused.pk).exists()


def test_nightly_reconciliation_task_logs_a_broken_reference(
    payment: Transaction, caplog: pytest.LogCaptureFixture
) -> None:
    from clientdesk.core import schedule
    from clientdesk.transactions.tasks import reconcile_books

    assert "transactions.reconcile" in {job.name for job in schedule.registered()}
    assert reconcile_books.call() == {"ok": True, "mismatches": 0, "first": []}
    device = _missing(Device)
    Transaction.objects.filter(pk=payment.pk).update(device_id=device)
    result = reconcile_books.call()
    assert result == {
        "ok": False,
        "mismatches": 1,
        "first": [f"transaction {payment.pk}: device {device} does not exist"],
    }
    assert "Reconciliation found 1 mismatch(es)" in caplog.text
