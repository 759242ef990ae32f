"""What the intake's fast instance building (``_instances``, ``_new_transaction``) assumes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models.signals import post_init, pre_init

from clientdesk.customers.models import Customer
from clientdesk.transactions import intake
from clientdesk.transactions.models import Account, Device, Merchant, Transaction


@pytest.mark.parametrize("model", [Customer, Account, Device, Merchant, Transaction])
def test_models_built_without_init_have_no_init_hooks(model: type) -> None:
    assert not pre_init.has_listeners(model) and not post_init.has_listeners(model)
    assert "__init__" not in vars(model)


def test_new_transaction_sets_every_field() -> None:
    values = {
        f.attname: None
        for f in Transaction._meta.concrete_fields
        if f.attname not in intake._TX_LATER
    }
    tx = intake._new_transaction(**values)
    assert {f.attname for f in Transaction._meta.concrete_fields} <= set(vars(tx))
    assert tx._state.adding and tx.get_deferred_fields() == set()


@pytest.mark.django_db
def test_instances_read_like_only(active_customer: Customer) -> None:
    names = ("id", "client_id", "status")
    rows = Customer.objects.filter(pk=active_customer.pk).values_list(*names)
    (customer,) = intake._instances(Customer, names, rows)
    assert (customer.pk, customer.status) == (active_customer.pk, "active")
    assert not customer._state.adding and customer._state.db == "default"
    assert "first_name" in customer.get_deferred_fields()
    assert customer.first_name == active_customer.first_name  # deferred: read on access
    account = Account(customer=customer, currency="INR", balance=Decimal("1.00"))
    assert account.customer_id == customer.pk
