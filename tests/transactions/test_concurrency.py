"""Concurrent intake for the same account never loses an update (PostgreSQL only)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection

from clientdesk.transactions.intake import intake_transactions
from clientdesk.transactions.models import Account, CustomerTotals, Transaction
from clientdesk.transactions.reconcile import reconcile

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks need PostgreSQL"),
]


def _run_threads(target, n):
    errors = []

    def wrap(i):
        try:
            target(i)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_parallel_batches_same_account(admin_user, active_customer, other_customer, make_row):
    def work(i):
        rows = [make_row(active_customer, amount="1.10") for _ in range(40)]
        rows += [make_row(other_customer, amount="2.00") for _ in range(10)]
        intake_transactions(rows, actor=admin_user)

    _run_threads(work, 6)
    assert Account.objects.get(customer=active_customer).balance == Decimal("264.00")
    assert Account.objects.get(customer=other_customer).balance == Decimal("120.00")
    assert CustomerTotals.objects.get(customer=active_customer).count == 240
    assert reconcile() == []


def test_parallel_debits_never_overdraw(admin_user, active_customer, make_row):
    intake_transactions([make_row(active_customer, amount="100")], actor=admin_user)

    def work(i):
        intake_transactions(
            [make_row(active_customer, type="payment", amount="30")], actor=admin_user
        )

    _run_threads(work, 8)
    assert Account.objects.get().balance == Decimal("10")
    assert Transaction.objects.filter(status="successful", type="payment").count() == 3
    assert reconcile() == []


def test_same_batch_sent_twice_at_once(admin_user, active_customer, make_row):
    rows = [
        make_row(active_customer, amount="5", device_id="SHARED", merchant_id="M9")
        for _ in range(30)
    ]

    _run_threads(lambda i: intake_transactions(rows, actor=admin_user), 4)
    assert Transaction.objects.count() == 30
    assert Account.objects.get().balance == Decimal("150")
    assert reconcile() == []


def test_rows_of_a_locked_account_wait_the_rest_do_not(
    admin_user, active_customer, other_customer, make_row
):
    """A batch sets aside the rows whose account another transaction holds locked: the rest
    is committed without waiting; the set-aside rows are stored once the lock is released."""
    intake_transactions([make_row(active_customer, amount="100")], actor=admin_user)
    busy = Account.objects.get(customer=active_customer)
    locked, release, first_pass_seen = threading.Event(), threading.Event(), []

    def holder(_):
        from django.db import transaction

        with transaction.atomic():
            Account.objects.select_for_update().get(pk=busy.pk)
            locked.set()
            release.wait(timeout=30)

    rows = [make_row(other_customer, amount="7") for _ in range(3)]
    rows.insert(1, make_row(active_customer, type="payment", amount="30"))
    result = {}

    def sender(_):
        locked.wait(timeout=30)
        result["r"] = intake_transactions(rows, actor=admin_user)

    def watcher(_):
        # The free customer's rows are committed while the lock is still held.
        locked.wait(timeout=30)
        for _ in range(300):
            if Transaction.objects.filter(customer=other_customer).count() == 3:
                first_pass_seen.append(True)
                break
            threading.Event().wait(0.05)
        release.set()

    _run_threads(lambda i: (holder, sender, watcher)[i](i), 3)
    assert first_pass_seen == [True]
    report = result["r"]
    assert [c["index"] for c in sorted(report.created, key=lambda c: c["index"])] == [0, 1, 2, 3]
    assert not report.errors
    assert Account.objects.get(pk=busy.pk).balance == Decimal("70")
    assert Account.objects.get(customer=other_customer).balance == Decimal("21")
    assert reconcile() == []


def test_atomic_batch_waits_for_the_lock_in_one_transaction(
    admin_user, active_customer, other_customer, make_row
):
    intake_transactions([make_row(active_customer, amount="100")], actor=admin_user)
    busy = Account.objects.get(customer=active_customer)
    locked, release, early = threading.Event(), threading.Event(), []

    def holder(_):
        from django.db import transaction

        with transaction.atomic():
            Account.objects.select_for_update().get(pk=busy.pk)
            locked.set()
            release.wait(timeout=30)

    rows = [make_row(other_customer, amount="7"), make_row(active_customer, amount="5")]

    def sender(_):
        locked.wait(timeout=30)
        intake_transactions(rows, actor=admin_user, atomic=True)

    def watcher(_):
        locked.wait(timeout=30)
        threading.Event().wait(1.0)
        early.append(Transaction.objects.filter(customer=other_customer).count())
        release.set()

    _run_threads(lambda i: (holder, sender, watcher)[i](i), 3)
    assert early == [0]  # nothing committed while the lock was held: one transaction
    assert Transaction.objects.filter(customer__in=[active_customer, other_customer]).count() == 3
    assert reconcile() == []
