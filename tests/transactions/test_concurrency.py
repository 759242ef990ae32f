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
