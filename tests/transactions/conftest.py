"""Fixtures for transactions: active customers, intake rows, rules."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from factories import make_customer

from clientdesk.customers.models import Customer
from clientdesk.transactions import services
from clientdesk.transactions.models import Rule

_ids = itertools.count(1)


def recent(minutes: int = 10) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def tx_row(who: Any, /, **overrides: Any) -> dict[str, Any]:
    """One valid intake row: a deposit of INR 1,000.00 ten minutes ago."""
    data: dict[str, Any] = {
        "transaction_id": f"T{next(_ids):08d}",
        "customer": who.client_id,
        "occurred_at": recent().isoformat(),
        "amount": "1000.00",
        "currency": "INR",
        "type": "deposit",
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_row() -> Callable[..., dict[str, Any]]:
    return tx_row


def active(admin_user: Any, **overrides: Any) -> Any:
    """An Active customer. The status is set directly: activation rules (KYC) belong to
    other modules and are not what these tests are about."""
    customer = make_customer(actor=admin_user, **overrides)
    Customer.objects.filter(pk=customer.pk).update(status="active")
    customer.refresh_from_db()
    return customer


@pytest.fixture
def active_customer(admin_user: Any) -> Any:
    return active(admin_user)


@pytest.fixture
def other_customer(admin_user: Any) -> Any:
    return active(admin_user)


@pytest.fixture
def make_rule(admin_user: Any) -> Callable[..., Rule]:
    def make(rule_type: str, severity: str = "high", **parameters: Any) -> Rule:
        return services.create_rule(
            actor=admin_user,
            data={
                "name": f"{rule_type} {next(_ids)}",
                "rule_type": rule_type,
                "parameters": parameters,
                "severity": severity,
            },
        )

    return make
