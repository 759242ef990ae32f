"""Writes of the transactions module other than the intake (``intake.py``).

Every function takes a keyword-only ``actor``, runs atomically, locks the row it changes,
follows the transition table of its model, records an audit event in the same transaction
and leaves messages and risk recomputes to ``on_commit``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clientdesk.activities.models import Kind
from clientdesk.activities.services import log_activity
from clientdesk.core import audit
from clientdesk.core.permissions import Access, Module, has_access, require
from clientdesk.customers.models import Customer
from clientdesk.webhooks.events import emit, emit_many

from . import currencies, intake, rules
from .models import (
    ALERT_TRANSITIONS,
    DEVICE_TRANSITIONS,
    OPEN_ALERT_STATUSES,
    SEVERITY_RANK,
    Account,
    AccountKind,
    Alert,
    AlertNote,
    AlertStatus,
    Device,
    DeviceStatus,
    Merchant,
    Rule,
    Severity,
    Transaction,
    TransactionStatus,
)

MAX_NOTE = 5000


# ----------------------------------------------------------------------------- alerts: raising


def store_candidates(candidates: list[rules.Candidate], *, now: dt.datetime) -> list[Alert]:
    """Store the alerts rules asked for, once each (``dedupe_key``), with their evidence.

    Must run inside the caller's transaction. A key already stored (the nightly run
    repeated, a window already alerted) is skipped.
    """
    if not candidates:
        return []
    unique: dict[str, rules.Candidate] = {}
    for c in candidates:
        if c.dedupe_key in unique:
            unique[c.dedupe_key].transaction_ids += c.transaction_ids
        else:
            unique[c.dedupe_key] = c
    taken = set(
        Alert.objects.filter(dedupe_key__in=list(unique)).values_list("dedupe_key", flat=True)
    )
    fresh = [c for key, c in unique.items() if key not in taken]
    alerts = [
        Alert(
            rule=c.rule,
            customer_id=c.customer_id,
            severity=c.rule.severity,
            title=c.title[:200],
            details=c.details,
            dedupe_key=c.dedupe_key,
            created_at=now,
        )
        for c in fresh
    ]
    emit_many("alert.raised", Alert.objects.bulk_create(alerts, batch_size=1000))
    Through = Alert.transactions.through
    links = []
    for alert, c in zip(alerts, fresh, strict=True):
        ids = sorted(set(c.transaction_ids))
        alert.evidence_ids = ids  # type: ignore[attr-defined]
        links += [Through(alert_id=alert.pk, transaction_id=t) for t in ids]
    Through.objects.bulk_create(links, batch_size=2000)
    return alerts


def run_nightly_rules(*, actor: Any = None, today: dt.date | None = None) -> dict[str, int]:
    """Run every enabled aggregate rule for the period ending before ``today``."""
    today = today or timezone.localdate()
    counts: dict[str, int] = {}
    for rule in Rule.objects.filter(enabled=True).order_by("pk"):
        if rule.rule_type not in rules.NIGHTLY_TYPES:
            continue
        with transaction.atomic():
            found = rules.evaluate_aggregate(rule, today=today)
            if rule.rule_type in rules.ROLLING_TYPES and found:
                still_open = set(
                    Alert.objects.open()
                    .filter(rule=rule, customer_id__in={c.customer_id for c in found})
                    .values_list("customer_id", flat=True)
                )
                found = [c for c in found if c.customer_id not in still_open]
            for c in found:
                c.transaction_ids = rules.evidence_for(c, today=today)
            alerts = store_candidates(found, now=timezone.now())
            _log_alerts(alerts, actor=actor)
            if alerts:
                audit.record(
                    actor=actor,
                    action="monitoring_run",
                    target=rule,
                    changes={"alerts": [a.pk for a in alerts][:1000], "day": today.isoformat()},
                )
                customers = Customer.objects.filter(pk__in={a.customer_id for a in alerts})
                intake.request_risk_recompute(customers, reason="Transaction monitoring alert")
        counts[rule.name] = len(alerts)
    return counts


def _log_alerts(alerts: list[Alert], *, actor: Any) -> None:
    for alert in alerts:
        log_activity(
            alert.customer,
            actor=actor,
            kind=Kind.TRANSACTION,
            subject=alert,
            body=f"Monitoring alert: {alert.title}",
            data={"alert": alert.pk, "severity": alert.severity},
        )


# ----------------------------------------------------------------------------- alerts: review


def _lock_alert(alert: Alert) -> Alert:
    pk = alert.pk
    return Alert.objects.select_for_update().select_related("customer").get(pk=pk)


def transition_alert(alert: Alert, to: str, *, actor: Any, note: str = "") -> Alert:
    """Move an alert along ``ALERT_TRANSITIONS``; Dismissed and Cleared need a note."""
    require(actor, Module.MONITORING, Access.WRITE)
    note = (note or "").strip()
    if to in (AlertStatus.DISMISSED, AlertStatus.CLEARED) and not note:
        raise ValidationError({"note": "Say why the alert is closed."})
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": f"Keep it under {MAX_NOTE:,} characters."})
    with transaction.atomic():
        alert = _lock_alert(alert)
        old = alert.status
        if to not in ALERT_TRANSITIONS.get(old, ()):
            raise ValidationError(
                {
                    "status": ValidationError(
                        f"A {alert.get_status_display().lower()} alert cannot move to "
                        f"{AlertStatus(to).label if to in AlertStatus.values else to}.",
                        code="invalid_transition",
                    )
                }
            )
        now = timezone.now()
        alert.status = to
        alert.closed_at = None if to in OPEN_ALERT_STATUSES else now
        alert.save(update_fields=["status", "closed_at", "updated_at"])
        AlertNote.objects.create(
            alert=alert,
            kind=AlertNote.Kind.STATUS,
            body=note,
            from_status=old,
            to_status=to,
            author=_user(actor),
            created_at=now,
        )
        audit.record(
            actor=actor,
            action="status_change",
            target=alert,
            changes={"status": {"old": old, "new": to}, "note": note},
        )
        intake.request_risk_recompute([alert.customer], reason=f"Alert {alert.pk} {to}")
        emit("alert.closed", alert, only_if=to not in OPEN_ALERT_STATUSES, previous_status=old)
    return alert


def assign_alert(alert: Alert, assignee: Any, *, actor: Any) -> Alert:
    """Give the alert to a user who may work on monitoring (None: unassign)."""
    require(actor, Module.MONITORING, Access.WRITE)
    if assignee is not None and not (
        getattr(assignee, "is_active", False)
        and has_access(assignee, Module.MONITORING, Access.WRITE)
    ):
        raise ValidationError({"assigned_to": "Choose a user who may work on monitoring alerts."})
    with transaction.atomic():
        alert = _lock_alert(alert)
        old = alert.assigned_to_id
        if old == getattr(assignee, "pk", None):
            return alert
        alert.assigned_to = assignee
        alert.save(update_fields=["assigned_to", "updated_at"])
        AlertNote.objects.create(
            alert=alert,
            kind=AlertNote.Kind.ASSIGNMENT,
            body=str(assignee) if assignee else "Unassigned",
            author=_user(actor),
            created_at=timezone.now(),
        )
        audit.record(
            actor=actor,
            action="assign",
            target=alert,
            changes={"assigned_to": {"old": old, "new": getattr(assignee, "pk", None)}},
        )
    return alert


def add_alert_note(alert: Alert, *, actor: Any, body: str) -> AlertNote:
    require(actor, Module.MONITORING, Access.WRITE)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write the note."})
    if len(body) > MAX_NOTE:
        raise ValidationError({"body": f"Keep it under {MAX_NOTE:,} characters."})
    with transaction.atomic():
        alert = _lock_alert(alert)
        note = AlertNote.objects.create(
            alert=alert, body=body, author=_user(actor), created_at=timezone.now()
        )
        alert.save(update_fields=["updated_at"])
        audit.record(actor=actor, action="note", target=alert, changes={"note": body})
    return note


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


# ----------------------------------------------------------------------------- rules


_RULE_FIELDS = ("name", "rule_type", "parameters", "severity", "enabled", "description")


def _clean_rule(data: Mapping[str, Any], current: Rule | None) -> dict[str, Any]:
    values = (
        {f: getattr(current, f) for f in _RULE_FIELDS}
        if current
        else {
            "rule_type": "",
            "parameters": {},
            "severity": Severity.MEDIUM,
            "enabled": True,
            "description": "",
            "name": "",
        }
    )
    values.update({k: v for k, v in data.items() if k in _RULE_FIELDS})
    errors: dict[str, str] = {}
    name = str(values.get("name") or "").strip()
    if not name:
        errors["name"] = "Name the rule."
    elif len(name) > 120:
        errors["name"] = "Keep it under 120 characters."
    elif Rule.objects.filter(name__iexact=name).exclude(pk=getattr(current, "pk", None)).exists():
        errors["name"] = "Another rule has this name."
    if values.get("severity") not in Severity.values:
        errors["severity"] = "Choose a severity: " + ", ".join(Severity.values) + "."
    if not isinstance(values.get("enabled"), bool):
        errors["enabled"] = "Enter true or false."
    if current is not None and values["rule_type"] != current.rule_type:
        errors["rule_type"] = "The type of a rule cannot change; create a new rule."
    try:
        values["parameters"] = rules.validate(values.get("rule_type", ""), values["parameters"])
    except ValidationError as exc:
        errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    values["name"] = name
    values["description"] = str(values.get("description") or "")[:2000]
    return values


def create_rule(*, actor: Any, data: Mapping[str, Any]) -> Rule:
    require(actor, Module.MONITORING, Access.WRITE)
    values = _clean_rule(data, None)
    with transaction.atomic():
        rule = Rule.objects.create(**values, created_by=_user(actor))
        audit.record(actor=actor, action="create", target=rule, changes=audit.diff({}, values))
    return rule


def update_rule(rule: Rule, *, actor: Any, data: Mapping[str, Any]) -> Rule:
    require(actor, Module.MONITORING, Access.WRITE)
    from clientdesk.approvals import gate

    if gate.is_active("monitoring.rule_change"):
        values = _clean_rule(data, rule)  # refuse bad input before storing a request
        if audit.diff({f: getattr(rule, f) for f in _RULE_FIELDS}, values):
            payload = {"rule": rule.pk, "data": values}
            gate.require("monitoring.rule_change", actor=actor, target=rule, payload=payload)
    with transaction.atomic():
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        before = {f: getattr(rule, f) for f in _RULE_FIELDS}
        values = _clean_rule(data, rule)
        changes = audit.diff(before, values)
        if not changes:
            return rule
        for name, value in values.items():
            setattr(rule, name, value)
        rule.save(update_fields=[*values, "updated_at"])
        audit.record(actor=actor, action="update", target=rule, changes=changes)
    return rule


def delete_rule(rule: Rule, *, actor: Any) -> None:
    """Delete a rule that never fired; one with alerts can only be disabled (evidence)."""
    require(actor, Module.MONITORING, Access.WRITE)
    with transaction.atomic():
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        if rule.alerts.exists():
            raise ValidationError(
                {
                    "non_field_errors": ValidationError(
                        "This rule has raised alerts; disable it instead of deleting it.",
                        code="rule_in_use",
                    )
                }
            )
        audit.record(
            actor=actor,
            action="delete",
            target=rule,
            changes={"name": rule.name, "rule_type": rule.rule_type},
        )
        rule.delete()


# ----------------------------------------------------------------------------- devices


def set_device_status(device: Device, status: str, *, actor: Any, reason: str) -> Device:
    """Block or trust a device (``DEVICE_TRANSITIONS``); a reason is required."""
    require(actor, Module.TRANSACTIONS, Access.WRITE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why."})
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        old = device.status
        if status not in DEVICE_TRANSITIONS.get(old, ()):
            raise ValidationError(
                {
                    "status": ValidationError(
                        f"The device is already {device.get_status_display().lower()}.",
                        code="invalid_transition",
                    )
                }
            )
        device.status, device.status_reason = status, reason[:2000]
        device.status_changed_at, device.status_changed_by = timezone.now(), _user(actor)
        device.save(
            update_fields=["status", "status_reason", "status_changed_at", "status_changed_by"]
        )
        audit.record(
            actor=actor,
            action="status_change",
            target=device,
            changes={"status": {"old": old, "new": status}, "reason": reason},
        )
    return device


def block_device(device: Device, *, actor: Any, reason: str) -> Device:
    return set_device_status(device, DeviceStatus.BLOCKED, actor=actor, reason=reason)


def set_merchant_risk(
    merchant: Merchant, is_high_risk: bool, *, actor: Any, reason: str
) -> Merchant:
    """Flag a merchant high risk (or clear the flag); the high-risk-merchant rule uses it."""
    require(actor, Module.MONITORING, Access.WRITE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why."})
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)
        old = merchant.is_high_risk
        if old == is_high_risk:
            return merchant
        merchant.is_high_risk = is_high_risk
        merchant.save(update_fields=["is_high_risk", "updated_at"])
        audit.record(
            actor=actor,
            action="update",
            target=merchant,
            changes={"is_high_risk": {"old": old, "new": is_high_risk}, "reason": reason},
        )
    return merchant


# ----------------------------------------------------------------------------- accounts


def open_account(
    customer: Customer,
    *,
    actor: Any,
    kind: str = AccountKind.WALLET,
    currency: str,
    overdraft_limit: Decimal | str = "0",
) -> Account:
    """Open a customer's account (the intake also opens one on first sight)."""
    require(actor, Module.TRANSACTIONS, Access.WRITE)
    currency = (currency or "").upper()
    errors = {}
    if kind not in AccountKind.values:
        errors["kind"] = "Choose wallet or trading."
    if not currencies.is_valid(currency):
        errors["currency"] = "Enter an ISO 4217 currency code, e.g. INR."
    limit = _limit(overdraft_limit, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        try:
            with transaction.atomic():
                account = Account.objects.create(
                    customer=customer, kind=kind, currency=currency, overdraft_limit=limit
                )
        except IntegrityError:
            raise ValidationError({"currency": "The customer has this account already."}) from None
        audit.record(
            actor=actor,
            action="create",
            target=account,
            changes={"kind": kind, "currency": currency, "overdraft_limit": str(limit)},
        )
    return account


def _limit(value: Any, errors: dict[str, str]) -> Decimal:
    amount = intake.parse_amount(value, "") if value not in ("0", 0, "") else Decimal(0)
    if isinstance(amount, str):
        errors["overdraft_limit"] = amount
        return Decimal(0)
    return amount


def set_overdraft_limit(account: Account, limit: Decimal | str, *, actor: Any) -> Account:
    require(actor, Module.TRANSACTIONS, Access.WRITE)
    errors: dict[str, str] = {}
    value = _limit(limit, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        old = account.overdraft_limit
        account.overdraft_limit = value
        account.save(update_fields=["overdraft_limit", "updated_at"])
        audit.record(
            actor=actor,
            action="update",
            target=account,
            changes={"overdraft_limit": {"old": str(old), "new": str(value)}},
        )
    return account


def reverse_transaction(tx: Transaction, *, actor: Any, reason: str) -> Transaction:
    """Reverse a successful transaction by hand: the opposite ledger entry, totals undone."""
    require(actor, Module.TRANSACTIONS, Access.WRITE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why."})
    with transaction.atomic():
        pk = tx.pk
        account_id = Transaction.objects.values_list("account_id", flat=True).get(pk=pk)
        if account_id is None:
            raise ValidationError({"status": "This transaction has no account."})
        # The intake's lock order: the account, then the transaction.
        account = Account.objects.select_for_update().get(pk=account_id)
        tx = Transaction.objects.select_for_update().get(pk=pk)
        books = intake._Books(accounts={account.pk: account})
        old = tx.status
        message = intake.change_status(tx, TransactionStatus.REVERSED, books=books)
        if message:
            raise ValidationError({"status": ValidationError(message, code="invalid_transition")})
        intake._write_books(books)
        audit.record(
            actor=actor,
            action="reverse",
            target=tx,
            changes={"status": {"old": old, "new": tx.status}, "reason": reason},
        )
    return tx


# ----------------------------------------------------------------------------- risk factor


SEVERITY_POINTS = {"low": 2, "medium": 5, "high": 10, "critical": 20}
MAX_ALERT_POINTS = 40


def alert_risk_factor(customer: Customer) -> tuple[int, str]:
    """Risk points from the customer's open and escalated alerts (capped)."""
    counts: dict[str, int] = {}
    for severity in Alert.objects.filter(
        customer=customer, status__in=OPEN_ALERT_STATUSES
    ).values_list("severity", flat=True):
        counts[severity] = counts.get(severity, 0) + 1
    if not counts:
        return 0, "No open transaction alerts."
    points = min(MAX_ALERT_POINTS, sum(SEVERITY_POINTS[s] * n for s, n in counts.items()))
    parts = ", ".join(
        f"{n} {s}" for s, n in sorted(counts.items(), key=lambda i: -SEVERITY_RANK[i[0]])
    )
    total = sum(counts.values())
    return points, f"{total} open transaction alert{'s' if total != 1 else ''} ({parts})."
