"""Alerts review, devices, rules CRUD, reconciliation, risk factor, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from clientdesk.core.models import AuditEvent
from clientdesk.transactions import services
from clientdesk.transactions.intake import intake_transactions
from clientdesk.transactions.models import (
    ALERT_TRANSITIONS,
    Account,
    Alert,
    CustomerTotals,
    Device,
    DeviceStatus,
)
from clientdesk.transactions.reconcile import reconcile

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(admin_user, active_customer, make_row, make_rule):
    make_rule("amount_threshold", amount="10")
    intake_transactions([make_row(active_customer, amount="11")], actor=admin_user)
    return Alert.objects.get()


def test_alert_transition_table_enforced(alert, compliance):
    services.transition_alert(alert, "under_review", actor=compliance)
    services.transition_alert(alert, "escalated", actor=compliance, note="Looks like mule")
    with pytest.raises(ValidationError):
        services.transition_alert(alert, "triggered", actor=compliance)
    with pytest.raises(ValidationError) as exc:
        services.transition_alert(alert, "cleared", actor=compliance)
    assert "note" in exc.value.message_dict
    alert = services.transition_alert(alert, "cleared", actor=compliance, note="Explained")
    assert alert.closed_at is not None and not alert.allowed_transitions()
    history = list(alert.notes.values_list("kind", "from_status", "to_status"))
    assert history[-1] == ("status", "escalated", "cleared")
    assert (
        AuditEvent.objects.filter(object_type="transactions.alert", action="status_change").count()
        == 3
    )


@pytest.mark.parametrize("start", list(ALERT_TRANSITIONS))
def test_every_state_only_allows_its_targets(alert, compliance, start):
    Alert.objects.filter(pk=alert.pk).update(status=start)
    for target in ["triggered", "under_review", "escalated", "dismissed", "cleared"]:
        Alert.objects.filter(pk=alert.pk).update(status=start)
        allowed = target in ALERT_TRANSITIONS[start]
        try:
            services.transition_alert(alert, target, actor=compliance, note="n")
            assert allowed
        except ValidationError:
            assert not allowed


def test_alert_assign_and_note(alert, compliance, admin_user, sales_user):
    services.assign_alert(alert, compliance, actor=admin_user)
    alert.refresh_from_db()
    assert alert.assigned_to == compliance
    with pytest.raises(ValidationError):
        services.assign_alert(alert, sales_user, actor=admin_user)  # no monitoring write
    note = services.add_alert_note(alert, actor=compliance, body="Called the customer")
    assert note.kind == "note"
    with pytest.raises(ValidationError):
        services.add_alert_note(alert, actor=compliance, body="  ")


def test_monitoring_write_required(alert, manager, sales_user):
    with pytest.raises(PermissionDenied):
        services.transition_alert(alert, "under_review", actor=manager)  # Manager: read only
    with pytest.raises(PermissionDenied):
        services.create_rule(actor=sales_user, data={})


def test_rule_crud(compliance):
    rule = services.create_rule(
        actor=compliance,
        data={"name": "Big", "rule_type": "amount_threshold", "parameters": {"amount": 100}},
    )
    assert rule.parameters == {"amount": "100"}
    with pytest.raises(ValidationError) as exc:
        services.create_rule(
            actor=compliance,
            data={"name": "big", "rule_type": "amount_threshold", "parameters": {"amount": 5}},
        )
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.update_rule(rule, actor=compliance, data={"rule_type": "velocity"})
    assert "rule_type" in exc.value.message_dict
    rule = services.update_rule(
        rule, actor=compliance, data={"parameters": {"amount": "200"}, "severity": "critical"}
    )
    assert rule.severity == "critical"
    services.delete_rule(rule, actor=compliance)
    assert AuditEvent.objects.filter(object_type="transactions.rule").count() == 3


def test_rule_with_alerts_cannot_be_deleted(alert, admin_user):
    with pytest.raises(ValidationError):
        services.delete_rule(alert.rule, actor=admin_user)


def test_block_and_trust_device_audited(admin_user, active_customer, make_row):
    intake_transactions([make_row(active_customer, device_id="X1")], actor=admin_user)
    device = Device.objects.get()
    with pytest.raises(ValidationError):
        services.block_device(device, actor=admin_user, reason="")
    services.block_device(device, actor=admin_user, reason="Stolen")
    with pytest.raises(ValidationError):
        services.block_device(device, actor=admin_user, reason="again")
    device = services.set_device_status(
        device, DeviceStatus.TRUSTED, actor=admin_user, reason="Found"
    )
    assert device.status == "trusted"
    assert AuditEvent.objects.filter(object_type="transactions.device").count() == 2


def test_risk_factor_counts_open_alerts(alert, compliance, active_customer):
    points, text = services.alert_risk_factor(active_customer)
    assert points == 10 and "1 open" in text
    services.transition_alert(alert, "dismissed", actor=compliance, note="False positive")
    assert services.alert_risk_factor(active_customer)[0] == 0


def test_risk_factor_registered_when_screening_has_the_registry():
    risk = pytest.importorskip("clientdesk.screening.risk")
    assert "transaction_alerts" in {f.name for f in risk.registered_factors()}


def test_reconcile_command(admin_user, active_customer, make_row, capsys):
    intake_transactions(
        [
            make_row(active_customer, amount="10"),
            make_row(active_customer, type="payment", amount="3.30"),
        ],
        actor=admin_user,
    )
    call_command("reconcile_balances")
    assert "OK" in capsys.readouterr().out
    Account.objects.update(balance=Decimal("6.69"))
    assert reconcile()[0].kind == "account"
    with pytest.raises(CommandError, match="MISMATCH"):
        call_command("reconcile_balances")


def test_reconcile_catches_customer_totals(admin_user, active_customer, make_row):
    intake_transactions([make_row(active_customer, amount="10")], actor=admin_user)
    CustomerTotals.objects.filter(customer=active_customer).update(count=5)
    assert [m.kind for m in reconcile()] == ["customer"]
    assert reconcile(customers=False) == []


def test_open_account_and_duplicate(admin_user, active_customer):
    account = services.open_account(
        active_customer, actor=admin_user, currency="usd", kind="trading", overdraft_limit="100"
    )
    assert (account.currency, account.overdraft_limit) == ("USD", Decimal("100"))
    with pytest.raises(ValidationError):
        services.open_account(active_customer, actor=admin_user, currency="USD", kind="trading")
    with pytest.raises(ValidationError):
        services.open_account(active_customer, actor=admin_user, currency="ABC")
