"""Every monitoring rule at its boundary, and parameter validation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from clientdesk.customers.models import Customer
from clientdesk.transactions import rules, services
from clientdesk.transactions.intake import intake_transactions
from clientdesk.transactions.models import Alert, Merchant

pytestmark = pytest.mark.django_db


def _alerts(rule):
    return Alert.objects.filter(rule=rule)


def _at(minutes_ago: float) -> str:
    return (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat()


def test_amount_threshold_boundary(admin_user, active_customer, make_row, make_rule):
    rule = make_rule("amount_threshold", amount="10000")
    intake_transactions([make_row(active_customer, amount="10000.00")], actor=admin_user)
    assert not _alerts(rule).exists()
    intake_transactions([make_row(active_customer, amount="10000.01")], actor=admin_user)
    alert = _alerts(rule).get()
    assert alert.severity == "high" and alert.transactions.count() == 1


def test_amount_threshold_uses_base_currency(
    admin_user, active_customer, make_row, make_rule, settings
):
    settings.TRANSACTION_FX_RATES = {"USD": "80"}
    rule = make_rule("amount_threshold", amount="8000")
    intake_transactions([make_row(active_customer, amount="100", currency="USD")], actor=admin_user)
    assert not _alerts(rule).exists()
    intake_transactions(
        [make_row(active_customer, amount="100.01", currency="USD")], actor=admin_user
    )
    assert _alerts(rule).count() == 1


@settings(max_examples=25, deadline=None)
@given(
    cents=st.integers(min_value=1, max_value=10**9), limit=st.integers(min_value=1, max_value=10**7)
)
def test_amount_rule_matches_plain_comparison(cents, limit):
    from clientdesk.transactions.models import Rule, Transaction

    rule = Rule(pk=1, rule_type="amount_threshold", parameters={"amount": str(limit)})
    amount = Decimal(cents) / 100
    tx = Transaction(
        pk=1, customer_id=1, amount_base=amount, status="successful", occurred_at=timezone.now()
    )
    facts = rules.TxFacts(
        tx=tx, merchant=None, device_first_seen_at=None, previous_activity_at=None
    )
    assert bool(rules.evaluate_transaction([rule], facts, [])) == (amount > limit)


def test_velocity_boundary(admin_user, active_customer, make_row, make_rule):
    rule = make_rule("velocity", count=3, minutes=10)
    rows = [make_row(active_customer, occurred_at=_at(m)) for m in (9, 8, 7)]
    intake_transactions(rows, actor=admin_user)
    assert not _alerts(rule).exists()  # 3 in the window: not more than 3
    intake_transactions([make_row(active_customer, occurred_at=_at(1))], actor=admin_user)
    alert = _alerts(rule).get()
    assert alert.details["count"] == 4


def test_velocity_window_is_half_open(admin_user, other_customer, make_row, make_rule):
    rule = make_rule("velocity", count=1, minutes=10)
    now = timezone.now().replace(microsecond=0)
    early = (now - dt.timedelta(minutes=20)).isoformat()
    exactly = (now - dt.timedelta(minutes=10)).isoformat()
    intake_transactions(
        [
            make_row(other_customer, occurred_at=early),
            make_row(other_customer, occurred_at=exactly),
        ],
        actor=admin_user,
    )
    assert not _alerts(rule).exists()  # 10 minutes apart: outside (t - 10 min, t]


@settings(max_examples=30, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=15),
    count=st.integers(min_value=1, max_value=6),
    minutes=st.integers(min_value=1, max_value=60),
)
def test_velocity_counts_like_brute_force(offsets, count, minutes):
    from clientdesk.transactions.models import Rule

    base = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    times = sorted(base + dt.timedelta(minutes=o) for o in offsets)
    rule = Rule(pk=1, rule_type="velocity", parameters={"count": count, "minutes": minutes})
    for at in times:
        brute = sum(1 for t in times if at - dt.timedelta(minutes=minutes) < t <= at)
        fired = rules._velocity_fires(times, at, rule)
        assert (fired is not None) == (brute > count)


def test_new_device_followed_by_large_amount(admin_user, active_customer, make_row, make_rule):
    rule = make_rule("new_device_large", amount="5000", within_hours=24)
    intake_transactions(
        [make_row(active_customer, device_id="OLD", occurred_at=_at(60 * 30))], actor=admin_user
    )
    intake_transactions(
        [make_row(active_customer, device_id="OLD", amount="9000")], actor=admin_user
    )
    assert not _alerts(rule).exists()  # known for 30 hours
    intake_transactions(
        [make_row(active_customer, device_id="NEW", amount="5000")], actor=admin_user
    )
    assert not _alerts(rule).exists()  # not above the amount
    intake_transactions(
        [make_row(active_customer, device_id="NEW", amount="5000.01")], actor=admin_user
    )
    assert _alerts(rule).count() == 1


def test_high_risk_merchant(admin_user, active_customer, make_row, make_rule):
    rule = make_rule("high_risk_merchant", mcc_codes=["7995"], min_amount="100")
    intake_transactions([make_row(active_customer, amount="5000")], actor=admin_user)
    rows = [
        make_row(
            active_customer, type="payment", amount="100", merchant_id="CASINO", merchant_mcc="7995"
        ),
        make_row(active_customer, type="payment", amount="100.01", merchant_id="CASINO"),
        make_row(
            active_customer, type="payment", amount="500", merchant_id="GROCER", merchant_mcc="5411"
        ),
    ]
    intake_transactions(rows, actor=admin_user)
    assert _alerts(rule).count() == 1
    Merchant.objects.filter(merchant_id="GROCER").update(is_high_risk=True)
    intake_transactions(
        [make_row(active_customer, type="payment", amount="200", merchant_id="GROCER")],
        actor=admin_user,
    )
    assert _alerts(rule).count() == 2


def test_dormant_account_boundary(admin_user, active_customer, make_row, make_rule):
    rule = make_rule("dormant_account", days=30)
    now = timezone.now().replace(microsecond=0)
    first = now - dt.timedelta(days=60)
    intake_transactions(
        [make_row(active_customer, occurred_at=first.isoformat())], actor=admin_user
    )
    assert not _alerts(rule).exists()  # an account's first transaction never fires
    exactly = first + dt.timedelta(days=30)
    intake_transactions(
        [make_row(active_customer, occurred_at=exactly.isoformat())], actor=admin_user
    )
    assert not _alerts(rule).exists()  # 30 days is not more than 30
    later = exactly + dt.timedelta(days=30, seconds=1)
    intake_transactions(
        [make_row(active_customer, occurred_at=later.isoformat())], actor=admin_user
    )
    assert _alerts(rule).count() == 1


def test_failed_transactions_do_not_fire(admin_user, active_customer, make_row, make_rule):
    rule = make_rule("amount_threshold", amount="10")
    intake_transactions([make_row(active_customer, amount="50", status="failed")], actor=admin_user)
    assert not _alerts(rule).exists()


# ----------------------------------------------------------------------------- nightly


def _yesterday(hour: int = 12) -> str:
    day = timezone.localdate() - dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour))).isoformat()


def test_daily_volume_boundary(admin_user, active_customer, other_customer, make_row, make_rule):
    rule = make_rule("volume_limit", period="day", amount="1000")
    intake_transactions(
        [
            make_row(active_customer, amount="600", occurred_at=_yesterday(9)),
            make_row(active_customer, amount="400", occurred_at=_yesterday(10)),
            make_row(other_customer, amount="600", occurred_at=_yesterday(9)),
            make_row(other_customer, amount="400.01", occurred_at=_yesterday(10)),
        ],
        actor=admin_user,
    )
    services.run_nightly_rules(actor=admin_user)
    alert = _alerts(rule).get()
    assert alert.customer_id == other_customer.pk and alert.transactions.count() == 2
    services.run_nightly_rules(actor=admin_user)
    assert _alerts(rule).count() == 1  # repeated run: nothing new


def test_monthly_volume(admin_user, active_customer, make_row, make_rule):
    rule = make_rule("volume_limit", period="month", amount="100")
    intake_transactions(
        [make_row(active_customer, amount="100.01", occurred_at=_yesterday())], actor=admin_user
    )
    services.run_nightly_rules(actor=admin_user)
    assert _alerts(rule).count() == 1


def test_structuring_boundary(admin_user, active_customer, other_customer, make_row, make_rule):
    rule = make_rule("structuring", threshold="50000", margin_percent="10", min_count=3, days=7)
    # Band is [45000, 50000): 45000 counts, 50000 does not.
    intake_transactions(
        [
            make_row(active_customer, amount=a, occurred_at=_yesterday())
            for a in ("45000", "49999.99", "50000")
        ]
        + [
            make_row(other_customer, amount=a, occurred_at=_yesterday())
            for a in ("45000", "49999.99", "47000", "44999.99")
        ],
        actor=admin_user,
    )
    services.run_nightly_rules(actor=admin_user)
    alert = _alerts(rule).get()
    assert alert.customer_id == other_customer.pk and alert.details["count"] == 3


def test_income_mismatch_boundary(admin_user, active_customer, other_customer, make_row, make_rule):
    Customer.objects.filter(pk__in=[active_customer.pk, other_customer.pk]).update(
        income_band="below_1l"
    )
    rule = make_rule("income_mismatch", period_days=30, ratio="0.5")  # limit 50,000
    intake_transactions(
        [
            make_row(active_customer, amount="50000", occurred_at=_yesterday()),
            make_row(other_customer, amount="50000.01", occurred_at=_yesterday()),
        ],
        actor=admin_user,
    )
    services.run_nightly_rules(actor=admin_user)
    assert list(_alerts(rule).values_list("customer_id", flat=True)) == [other_customer.pk]


def test_a_rolling_rule_waits_while_its_alert_is_open(
    admin_user, other_customer, make_row, make_rule
):
    """Night after night the same structuring shows in the 7-day window: one alert until an
    officer closes it; the next night after that raises a new one."""
    rule = make_rule("structuring", threshold="50000", margin_percent="10", min_count=3, days=7)
    intake_transactions(
        [make_row(other_customer, amount=a, occurred_at=_yesterday()) for a in
         ("45000", "49999.99", "47000")],
        actor=admin_user,
    )  # fmt: skip
    today = timezone.localdate()
    services.run_nightly_rules(actor=admin_user, today=today)
    services.run_nightly_rules(actor=admin_user, today=today + dt.timedelta(days=1))
    first = _alerts(rule).get()
    services.transition_alert(first, "under_review", actor=admin_user)
    services.transition_alert(first, "cleared", actor=admin_user, note="Salary split.")
    services.run_nightly_rules(actor=admin_user, today=today + dt.timedelta(days=2))
    assert _alerts(rule).count() == 2


def test_disabled_rule_does_nothing(admin_user, active_customer, make_row, make_rule):
    rule = make_rule("amount_threshold", amount="1")
    services.update_rule(rule, actor=admin_user, data={"enabled": False})
    intake_transactions([make_row(active_customer, amount="50")], actor=admin_user)
    assert not _alerts(rule).exists()


# ----------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("rule_type", "parameters", "bad"),
    [
        ("amount_threshold", {}, "amount"),
        ("amount_threshold", {"amount": "0"}, "amount"),
        ("amount_threshold", {"amount": 1.5}, "amount"),
        ("amount_threshold", {"amount": "10", "extra": 1}, "extra"),
        ("velocity", {"count": 0, "minutes": 5}, "count"),
        ("velocity", {"count": 3, "minutes": 100000}, "minutes"),
        ("volume_limit", {"period": "week", "amount": "5"}, "period"),
        ("structuring", {"threshold": "100", "margin_percent": "60"}, "margin_percent"),
        ("high_risk_merchant", {"mcc_codes": ["12"]}, "mcc_codes"),
        ("high_risk_merchant", {"mcc_codes": [], "include_flagged_merchants": False}, "mcc_codes"),
        ("dormant_account", {"days": "x"}, "days"),
    ],
)
def test_parameters_validated(rule_type, parameters, bad):
    with pytest.raises(ValidationError) as exc:
        rules.validate(rule_type, parameters)
    assert any(m.startswith(bad) for m in exc.value.message_dict["parameters"])


def test_parameters_defaults_filled():
    cleaned = rules.validate("structuring", {"threshold": 50000})
    assert cleaned == {"threshold": "50000", "margin_percent": "10", "min_count": 3, "days": 7}
