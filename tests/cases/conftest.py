"""Fixtures for cases: an active customer, transactions through the intake, an alert."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.utils import timezone
from factories import make_customer

from clientdesk.customers.models import Customer
from clientdesk.transactions.intake import intake_transactions
from clientdesk.transactions.models import Alert, Transaction

_ids = itertools.count(1)


def active(admin_user: Any) -> Customer:
    customer = make_customer(actor=admin_user)
    Customer.objects.filter(pk=customer.pk).update(status="active")
    customer.refresh_from_db()
    return customer


def add_tx(actor: Any, customer: Any, amount: str, when: Any, **extra: Any) -> Transaction:
    row = {
        "transaction_id": f"C{next(_ids):08d}",
        "customer": customer.client_id,
        "occurred_at": when.isoformat(),
        "amount": amount,
        "currency": "INR",
        "type": "deposit",
        "channel": "branch",
        **extra,
    }
    result = intake_transactions([row], actor=actor)
    assert not result.errors, result.errors
    return Transaction.objects.get(external_id=row["transaction_id"])


def make_alert(customer: Any, severity: str = "medium", txs: Any = ()) -> Alert:
    alert = Alert.objects.create(
        customer=customer,
        severity=severity,
        title=f"Large cash {next(_ids)}",
        details={"amount_base": "950000.00"},
        dedupe_key=f"test-{next(_ids)}",
        created_at=timezone.now(),
    )
    alert.transactions.set(txs)
    return alert


@pytest.fixture
def officer(compliance: Any) -> Any:
    return compliance


@pytest.fixture
def officer2(user_factory: Any) -> Any:
    return user_factory("compliance", username="compliance2")


@pytest.fixture
def subject(admin_user: Any) -> Customer:
    return active(admin_user)
