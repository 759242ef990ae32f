"""Intake: idempotency, partial batches, gating, balances, currencies, side effects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from clientdesk.activities.models import Activity
from clientdesk.comms.models import Message
from clientdesk.customers.models import Customer
from clientdesk.transactions import services
from clientdesk.transactions.intake import (
    BatchRejected,
    intake_transactions,
    parse_amount,
    rows_from_csv,
)
from clientdesk.transactions.models import (
    Account,
    Alert,
    CustomerDevice,
    CustomerTotals,
    Device,
    LedgerEntry,
    Merchant,
    Transaction,
)
from clientdesk.transactions.reconcile import reconcile

pytestmark = pytest.mark.django_db


def _balance(customer, currency="INR"):
    return Account.objects.get(customer=customer, currency=currency).balance


def test_same_batch_twice_changes_nothing(admin_user, active_customer, make_row):
    rows = [make_row(active_customer, amount="500.00") for _ in range(5)]
    first = intake_transactions(rows, actor=admin_user)
    assert len(first.created) == 5
    snapshot = (Transaction.objects.count(), LedgerEntry.objects.count(), _balance(active_customer))
    again = intake_transactions(rows, actor=admin_user)
    assert not again.created and len(again.existing) == 5
    assert [e["id"] for e in again.existing] == [c["id"] for c in first.created]
    assert (Transaction.objects.count(), LedgerEntry.objects.count(),
            _balance(active_customer)) == snapshot  # fmt: skip
    totals = CustomerTotals.objects.get(customer=active_customer)
    assert totals.count == 5
    assert totals.volume == Decimal("2500.00")


def test_batch_cut_off_and_sent_again(admin_user, active_customer, make_row):
    rows = [make_row(active_customer, amount="100") for _ in range(10)]
    intake_transactions(rows[:4], actor=admin_user)
    result = intake_transactions(rows, actor=admin_user)
    assert len(result.existing) == 4 and len(result.created) == 6
    assert _balance(active_customer) == Decimal("1000")
    assert reconcile() == []


def test_repeat_inside_one_batch_is_stored_once(admin_user, active_customer, make_row):
    row = make_row(active_customer)
    result = intake_transactions([row, dict(row)], actor=admin_user)
    assert len(result.created) == 1 and result.existing[0]["of"] == 0


def test_same_id_from_another_source_is_another_transaction(admin_user, active_customer, make_row):
    row = make_row(active_customer)
    intake_transactions([row], actor=admin_user, source="bank-a")
    result = intake_transactions([row], actor=admin_user, source="bank-b")
    assert len(result.created) == 1


def test_bad_rows_reported_by_number_good_ones_stored(admin_user, active_customer, make_row):
    rows = [
        make_row(active_customer),
        make_row(active_customer, amount="-5"),
        make_row(active_customer, currency="XYZ"),
        make_row(active_customer, customer="NOPE"),
        "not an object",
        make_row(active_customer),
    ]
    result = intake_transactions(rows, actor=admin_user)
    assert len(result.created) == 2
    errors = {e["row"]: e["errors"] for e in result.as_dict()["errors"]}
    assert set(errors) == {2, 3, 4, 5}
    assert "amount" in errors[2] and "currency" in errors[3] and "customer" in errors[4]
    assert "non_field_errors" in errors[5]


def test_atomic_batch_with_a_bad_row_stores_nothing(admin_user, active_customer, make_row):
    rows = [make_row(active_customer), make_row(active_customer, customer="NOPE")]
    with pytest.raises(BatchRejected) as exc:
        intake_transactions(rows, actor=admin_user, atomic=True)
    assert exc.value.result.errors[0]["row"] == 2 and not exc.value.result.stored
    assert Transaction.objects.count() == 0 and Account.objects.count() == 0
    rows = [make_row(active_customer), make_row(active_customer, amount="abc")]
    with pytest.raises(BatchRejected):
        intake_transactions(rows, actor=admin_user, atomic=True)
    assert Transaction.objects.count() == 0


def test_csv_rows_numbered_by_line(admin_user, active_customer):
    when = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    text = (
        "transaction_id,customer,occurred_at,amount,currency,type\n"
        f"C1,{active_customer.client_id},{when},10.50,INR,deposit\n"
        f"C2,{active_customer.client_id},{when},ten,INR,deposit\n"
    )
    result = intake_transactions(rows_from_csv(text.encode()), actor=admin_user, first_row=2)
    assert len(result.created) == 1 and result.errors[0]["row"] == 3


# ----------------------------------------------------------------------------- ledger


def test_credits_and_debits_post_to_the_ledger(admin_user, active_customer, make_row):
    rows = [
        make_row(active_customer, type="deposit", amount="1000.00"),
        make_row(active_customer, type="payment", amount="100.25"),
        make_row(active_customer, type="withdrawal", amount="50.00"),
        make_row(active_customer, type="transfer", direction="out", amount="25.00"),
        make_row(active_customer, type="transfer", direction="in", amount="5.00"),
        make_row(active_customer, type="refund", amount="0.25"),
    ]
    intake_transactions(rows, actor=admin_user)
    assert _balance(active_customer) == Decimal("830.00")
    entries = list(LedgerEntry.objects.order_by("id").values_list("amount", "balance_after"))
    assert entries[-1][1] == Decimal("830.00")
    assert sum(a for a, _ in entries) == Decimal("830.00")
    # A later batch moves the account's "updated" time, as a save() would.
    account = Account.objects.get(customer=active_customer)
    opened = account.updated_at
    intake_transactions([make_row(active_customer, amount="1.00")], actor=admin_user)
    account.refresh_from_db()
    assert account.updated_at > opened and account.balance == Decimal("831.00")


def test_overdraft_refused_unless_limit(admin_user, active_customer, make_row):
    result = intake_transactions(
        [make_row(active_customer, type="payment", amount="10")], actor=admin_user
    )
    tx = Transaction.objects.get(pk=result.created[0]["id"])
    assert tx.status == "failed" and tx.failure_reason == "Insufficient funds"
    assert _balance(active_customer) == 0 and LedgerEntry.objects.count() == 0
    account = Account.objects.get(customer=active_customer)
    services.set_overdraft_limit(account, "10.00", actor=admin_user)
    rows = [
        make_row(active_customer, type="payment", amount="10"),
        make_row(active_customer, type="payment", amount="0.01"),
    ]
    result = intake_transactions(rows, actor=admin_user)
    assert [c["status"] for c in result.created] == ["successful", "failed"]
    assert _balance(active_customer) == Decimal("-10")


def test_status_change_pending_then_successful_then_reversed(admin_user, active_customer, make_row):
    row = make_row(active_customer, amount="300", status="pending")
    intake_transactions([row], actor=admin_user)
    assert _balance(active_customer) == 0
    result = intake_transactions([{**row, "status": "successful"}], actor=admin_user)
    assert result.updated[0]["status"] == "successful"
    assert _balance(active_customer) == Decimal("300")
    intake_transactions([{**row, "status": "reversed"}], actor=admin_user)
    assert _balance(active_customer) == 0
    totals = CustomerTotals.objects.get(customer=active_customer)
    assert totals.count == 0 and totals.volume == 0
    again = intake_transactions([{**row, "status": "reversed"}], actor=admin_user)
    assert len(again.existing) == 1
    bad = intake_transactions([{**row, "status": "successful"}], actor=admin_user)
    assert "status" in bad.errors[0]["errors"]
    assert reconcile() == []


def test_manual_reversal_service(admin_user, active_customer, make_row):
    result = intake_transactions([make_row(active_customer, amount="80")], actor=admin_user)
    tx = Transaction.objects.get(pk=result.created[0]["id"])
    services.reverse_transaction(tx, actor=admin_user, reason="Duplicate charge")
    tx.refresh_from_db()
    assert tx.status == "reversed" and _balance(active_customer) == 0
    assert LedgerEntry.objects.filter(kind="reversal").count() == 1


# ----------------------------------------------------------------------------- gating


def test_inactive_customer_stored_failed_with_alert_and_sms(
    admin_user, active_customer, make_row, django_capture_on_commit_callbacks
):
    Customer.objects.filter(pk=active_customer.pk).update(status="suspended")
    with_sms = Message.objects.filter(customer=active_customer, channel="sms")
    before = with_sms.count()
    with django_capture_on_commit_callbacks(execute=True):
        result = intake_transactions([make_row(active_customer)], actor=admin_user)
    tx = Transaction.objects.get(pk=result.created[0]["id"])
    assert tx.status == "failed" and tx.failure_reason == "Customer is not active"
    assert tx.reported_status == "successful"
    alert = Alert.objects.get(kind="blocked_attempt")
    assert list(alert.transactions.all()) == [tx]
    assert with_sms.count() == before + 1
    assert Activity.objects.filter(subject_id=str(tx.pk), kind="transaction").exists()
    assert LedgerEntry.objects.count() == 0
    # Sent again: still one transaction, one alert.
    intake_transactions(
        [make_row(active_customer, transaction_id=tx.external_id)], actor=admin_user
    )
    assert Alert.objects.count() == 1


def test_refused_retries_in_one_minute_raise_one_alert(admin_user, active_customer, make_row):
    """Five refused retries of one payment in a minute: one alert, all five as evidence; a
    sixth in a later batch of the same minute joins it; one a minute later is a new alert."""
    Customer.objects.filter(pk=active_customer.pk).update(status="suspended")
    minute = timezone.now().replace(second=5, microsecond=0) - dt.timedelta(minutes=10)
    at = [minute + dt.timedelta(seconds=s) for s in (0, 10, 20, 30, 40, 50, 70)]
    rows = [make_row(active_customer, occurred_at=t.isoformat()) for t in at[:5]]
    result = intake_transactions(rows, actor=admin_user)
    assert result.alerts == 1
    alert = Alert.objects.get(kind="blocked_attempt")
    assert alert.transactions.count() == 5 and alert.details["attempts"] == 5
    assert alert.details["amount_base"] == "5000.00"

    again = intake_transactions(
        [make_row(active_customer, occurred_at=at[5].isoformat())], actor=admin_user
    )
    assert again.alerts == 0
    assert alert.transactions.count() == 6

    later = intake_transactions(
        [make_row(active_customer, occurred_at=at[6].isoformat())], actor=admin_user
    )
    assert later.alerts == 1
    assert Alert.objects.filter(kind="blocked_attempt").count() == 2


def test_blocked_device(admin_user, active_customer, make_row):
    intake_transactions([make_row(active_customer, device_id="PHONE-1")], actor=admin_user)
    device = Device.objects.get(device_id="PHONE-1")
    services.block_device(device, actor=admin_user, reason="Reported stolen")
    result = intake_transactions([make_row(active_customer, device_id="PHONE-1")], actor=admin_user)
    tx = Transaction.objects.get(pk=result.created[0]["id"])
    assert tx.failure_reason == "Device is blocked"
    assert Alert.objects.filter(kind="blocked_attempt").count() == 1


# ----------------------------------------------------------------------------- first sight


def test_merchants_devices_and_links_created_on_first_sight(
    admin_user, active_customer, other_customer, make_row
):
    rows = [
        make_row(
            active_customer,
            type="deposit",
            device={"id": "POS-9", "type": "pos"},
            merchant={"id": "M-1", "name": "Corner Shop", "mcc": "5411"},
        ),
        make_row(other_customer, type="deposit", device_id="POS-9", merchant_id="M-1"),
        make_row(active_customer, type="deposit", device_id="POS-9"),
    ]
    intake_transactions(rows, actor=admin_user)
    assert Merchant.objects.get().name == "Corner Shop"
    device = Device.objects.get()
    assert device.device_type == "pos"
    links = {link.customer_id: link.transaction_count for link in CustomerDevice.objects.all()}
    assert links == {active_customer.pk: 2, other_customer.pk: 1}


def test_timeline_only_for_transactions_that_matter(
    admin_user, active_customer, make_row, settings, django_capture_on_commit_callbacks
):
    settings.TRANSACTION_LARGE_AMOUNT = "100000"
    rows = [make_row(active_customer, amount="10"), make_row(active_customer, amount="100000")]
    with django_capture_on_commit_callbacks(execute=True):
        result = intake_transactions(rows, actor=admin_user)
    logged = Activity.objects.filter(kind="transaction").values_list("subject_id", flat=True)
    assert list(logged) == [str(result.created[1]["id"])]
    sms = Message.objects.filter(customer=active_customer, channel="sms", event="transaction_alert")
    assert sms.count() == 1


# ----------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("1250.50", "INR", Decimal("1250.50")),
        (Decimal("0.10"), "INR", Decimal("0.10")),
        ("1,000", "INR", Decimal("1000")),
        (15, "JPY", Decimal("15")),
        ("1.234", "KWD", Decimal("1.234")),
    ],
)
def test_amounts_exact(value, currency, expected):
    assert parse_amount(value, currency) == expected


@pytest.mark.parametrize(
    ("value", "currency"),
    [
        (0.1, "INR"),
        ("0", "INR"),
        ("-1", "INR"),
        ("1.005", "INR"),
        ("1.5", "JPY"),
        ("1.2345", "KWD"),
        ("NaN", "INR"),
        ("Infinity", "INR"),
        (True, "INR"),
        ("", "INR"),
    ],
)
def test_amounts_refused(value, currency):
    assert isinstance(parse_amount(value, currency), str)


def test_foreign_currency_converted_to_base(admin_user, active_customer, make_row, settings):
    settings.TRANSACTION_FX_RATES = {"USD": "83.25"}
    intake_transactions(
        [make_row(active_customer, amount="10.01", currency="usd")], actor=admin_user
    )
    tx = Transaction.objects.get()
    assert (tx.currency, tx.amount, tx.amount_base) == ("USD", Decimal("10.01"), Decimal("833.33"))
    assert Account.objects.get().currency == "USD"
    assert CustomerTotals.objects.get(customer=active_customer).volume == Decimal("833.33")


def test_currency_without_rate_refused(admin_user, active_customer, make_row, settings):
    settings.TRANSACTION_FX_RATES = {}
    result = intake_transactions([make_row(active_customer, currency="EUR")], actor=admin_user)
    assert "TRANSACTION_FX_RATES" in result.errors[0]["errors"]["currency"][0]


def test_many_small_amounts_add_up_exactly(admin_user, active_customer, make_row):
    rows = [make_row(active_customer, amount="0.10") for _ in range(30)]
    intake_transactions(rows, actor=admin_user)
    assert _balance(active_customer) == Decimal("3.00")
    assert CustomerTotals.objects.get(customer=active_customer).volume == Decimal("3.00")


def test_transfer_needs_direction_and_future_refused(admin_user, active_customer, make_row):
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    result = intake_transactions(
        [make_row(active_customer, type="transfer"), make_row(active_customer, occurred_at=future)],
        actor=admin_user,
    )
    assert "direction" in result.errors[0]["errors"]
    assert "occurred_at" in result.errors[1]["errors"]


def test_write_permission_required(sales_user, active_customer, make_row):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        intake_transactions([make_row(active_customer)], actor=sales_user)
