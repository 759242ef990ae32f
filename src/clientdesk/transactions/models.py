"""Transactions, accounts and their ledger, devices, merchants; monitoring rules and alerts.

Invariants:
- A transaction is identified by (``source``, ``external_id``); intake stores it once. Sending
  it again with the same status changes nothing; with a new status it is a status change that
  must follow ``TRANSACTION_TRANSITIONS`` (pending -> successful/failed, successful -> reversed).
- ``amount`` is a positive Decimal in ``currency`` (ISO 4217, at most the currency's minor
  units); ``amount_base`` is the same amount in ``settings.BASE_CURRENCY`` at intake.
- ``Account.balance`` always equals the sum of the account's ``LedgerEntry.amount``. Only
  successful transactions post to the ledger (credits positive: deposit, refund, incoming
  transfer; debits negative: payment, withdrawal, outgoing transfer); a reversal posts the
  opposite entry. Balance and entries change in the same database transaction, under a row
  lock on the account (``manage.py reconcile_balances`` proves it).
- A debit that would take the balance below ``-overdraft_limit`` is stored failed with the
  reason "Insufficient funds" and posts nothing. Only a reversal of a credit (a fact reported
  by the source) may take a balance below that line.
- ``CustomerTotals`` (one row per customer, ``customer.transaction_totals``): ``volume`` /
  ``count`` / ``last_transaction_at`` of the customer's successful transactions (volume in
  the base currency), kept by the intake in the same transaction. The row is created with the
  customer (a database trigger, migration ``0003``) and by the intake if missing.
- ``CustomerDevice`` is one row per (customer, device) pair: first/last seen and counts.
- Device status and alert status change only through the services, following
  ``DEVICE_TRANSITIONS`` and ``ALERT_TRANSITIONS``, with an audit record.
- Everything is written by ``services`` / ``intake`` only; reads go through
  ``<Model>.objects.visible_to(user)`` (module Transactions; rules and alerts: Monitoring).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from clientdesk.core.permissions import Access, Module, has_access
from clientdesk.customers.models import SENSITIVE_FIELDS

from . import currencies

AMOUNT_DIGITS = 20
AMOUNT_PLACES = 3  # enough for every ISO 4217 currency (BHD, KWD ... have 3 minor units)


def _amount_field(verbose_name: str = "", **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        verbose_name or None,
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_PLACES,
        **kwargs,
    )


# ----------------------------------------------------------------------------- choices


class DeviceType(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    POS = "pos", "POS terminal"
    CARD = "card", "Card"
    WEB = "web", "Web"


class DeviceStatus(models.TextChoices):
    TRUSTED = "trusted", "Trusted"
    BLOCKED = "blocked", "Blocked"


DEVICE_TRANSITIONS: dict[str, frozenset[str]] = {
    DeviceStatus.TRUSTED: frozenset({DeviceStatus.BLOCKED}),
    DeviceStatus.BLOCKED: frozenset({DeviceStatus.TRUSTED}),
}


class AccountKind(models.TextChoices):
    WALLET = "wallet", "Wallet"
    TRADING = "trading", "Trading"


class TransactionType(models.TextChoices):
    PAYMENT = "payment", "Payment"
    TRANSFER = "transfer", "Transfer"
    DEPOSIT = "deposit", "Deposit"
    WITHDRAWAL = "withdrawal", "Withdrawal"
    REFUND = "refund", "Refund"


class Direction(models.TextChoices):
    """Only transfers carry a direction; the other types imply it."""

    IN = "in", "Incoming"
    OUT = "out", "Outgoing"


class Channel(models.TextChoices):
    MOBILE_APP = "mobile_app", "Mobile app"
    WEB = "web", "Web"
    POS = "pos", "POS"
    CARD = "card", "Card"
    ATM = "atm", "ATM"
    UPI = "upi", "UPI"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    BRANCH = "branch", "Branch"
    OTHER = "other", "Other"


class TransactionStatus(models.TextChoices):
    SUCCESSFUL = "successful", "Successful"
    FAILED = "failed", "Failed"
    PENDING = "pending", "Pending"
    REVERSED = "reversed", "Reversed"


TRANSACTION_TRANSITIONS: dict[str, frozenset[str]] = {
    TransactionStatus.PENDING: frozenset({TransactionStatus.SUCCESSFUL, TransactionStatus.FAILED}),
    TransactionStatus.SUCCESSFUL: frozenset({TransactionStatus.REVERSED}),
    TransactionStatus.FAILED: frozenset(),
    TransactionStatus.REVERSED: frozenset(),
}

TRANSACTION_TONES = {"successful": "green", "failed": "red", "pending": "amber", "reversed": "grey"}

# Types that add to the balance; the rest take from it. A transfer's direction decides.
CREDIT_TYPES = frozenset({TransactionType.DEPOSIT, TransactionType.REFUND})
DEBIT_TYPES = frozenset({TransactionType.PAYMENT, TransactionType.WITHDRAWAL})


class FailureReason:
    """Reasons the intake itself gives (a source may send any other text)."""

    INSUFFICIENT_FUNDS = "Insufficient funds"
    CUSTOMER_INACTIVE = "Customer is not active"
    DEVICE_BLOCKED = "Device is blocked"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}
SEVERITY_TONES = {"low": "grey", "medium": "amber", "high": "orange", "critical": "red"}


class RuleType(models.TextChoices):
    AMOUNT_THRESHOLD = "amount_threshold", "Single amount above threshold"
    VELOCITY = "velocity", "More than N transactions in T minutes"
    VOLUME_LIMIT = "volume_limit", "Daily or monthly volume above limit"
    STRUCTURING = "structuring", "Structuring (amounts just below the reporting threshold)"
    NEW_DEVICE_LARGE = "new_device_large", "New device followed by a large amount"
    HIGH_RISK_MERCHANT = "high_risk_merchant", "High-risk merchant category"
    DORMANT_ACCOUNT = "dormant_account", "Activity on a dormant account"
    INCOME_MISMATCH = "income_mismatch", "Volume out of line with declared income"


class AlertKind(models.TextChoices):
    """What raised an alert: a monitoring rule, or the intake's gating."""

    RULE = "rule", "Monitoring rule"
    BLOCKED_ATTEMPT = "blocked_attempt", "Blocked attempt"


class AlertStatus(models.TextChoices):
    TRIGGERED = "triggered", "Triggered"
    UNDER_REVIEW = "under_review", "Under review"
    ESCALATED = "escalated", "Escalated"
    DISMISSED = "dismissed", "Dismissed"
    CLEARED = "cleared", "Cleared"


ALERT_TRANSITIONS: dict[str, frozenset[str]] = {
    AlertStatus.TRIGGERED: frozenset(
        {AlertStatus.UNDER_REVIEW, AlertStatus.ESCALATED, AlertStatus.DISMISSED}
    ),
    AlertStatus.UNDER_REVIEW: frozenset(
        {AlertStatus.ESCALATED, AlertStatus.DISMISSED, AlertStatus.CLEARED}
    ),
    AlertStatus.ESCALATED: frozenset(
        {AlertStatus.UNDER_REVIEW, AlertStatus.DISMISSED, AlertStatus.CLEARED}
    ),
    AlertStatus.DISMISSED: frozenset(),
    AlertStatus.CLEARED: frozenset(),
}
OPEN_ALERT_STATUSES = (AlertStatus.TRIGGERED, AlertStatus.UNDER_REVIEW, AlertStatus.ESCALATED)
ALERT_TONES = {
    "triggered": "red",
    "under_review": "blue",
    "escalated": "orange",
    "dismissed": "grey",
    "cleared": "green",
}


# ----------------------------------------------------------------------------- querysets


class _ModuleQuerySet(models.QuerySet[Any]):
    module: str = Module.TRANSACTIONS

    def visible_to(self, user: Any) -> Any:
        """The only way pages and the API list these rows (module Read)."""
        if not has_access(user, self.module, Access.READ):
            return self.none()
        return self


class MonitoringQuerySet(_ModuleQuerySet):
    module = Module.MONITORING


# Lists show the customer's name and client ID: never load (and decrypt) the encrypted
# identifiers for them.
CUSTOMER_SECRETS = tuple(f"customer__{name}" for name in SENSITIVE_FIELDS)


class TransactionQuerySet(_ModuleQuerySet):
    def for_list(self) -> TransactionQuerySet:
        return self.select_related("customer", "merchant", "device", "account").defer(
            *CUSTOMER_SECRETS
        )


class AlertQuerySet(MonitoringQuerySet):
    def for_list(self) -> AlertQuerySet:
        return self.select_related("rule", "customer", "assigned_to").defer(*CUSTOMER_SECRETS)

    def open(self) -> AlertQuerySet:
        return self.filter(status__in=OPEN_ALERT_STATUSES)


# ----------------------------------------------------------------------------- models


class Merchant(models.Model):
    """A merchant as identified by the payment source; created on first sight by the intake."""

    merchant_id = models.CharField("Merchant ID", max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    mcc = models.CharField("MCC", max_length=4, blank=True, help_text="ISO 18245 category code")
    category = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True)
    is_high_risk = models.BooleanField("High risk", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = _ModuleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name", "id"], name="tx_merchant_name_idx")]

    def __str__(self) -> str:
        return self.name or self.merchant_id


class Device(models.Model):
    """A phone, POS terminal, card or browser; created on first sight by the intake."""

    device_id = models.CharField("Device ID", max_length=128, unique=True)
    device_type = models.CharField(max_length=8, choices=DeviceType.choices, blank=True)
    model = models.CharField(max_length=100, blank=True)
    os = models.CharField("OS", max_length=100, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    status = models.CharField(
        max_length=8, choices=DeviceStatus.choices, default=DeviceStatus.TRUSTED
    )
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    customers: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "customers.Customer", through="CustomerDevice", related_name="devices"
    )

    objects = _ModuleQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeviceStatus.values), name="tx_device_status_valid"
            )
        ]
        indexes = [models.Index(fields=["-last_seen_at", "-id"], name="tx_device_seen_idx")]

    def __str__(self) -> str:
        return self.device_id

    @property
    def is_blocked(self) -> bool:
        return self.status == DeviceStatus.BLOCKED

    @property
    def tone(self) -> str:
        return "red" if self.is_blocked else "green"


class CustomerDevice(models.Model):
    """A device seen for a customer: first/last seen and how many transactions."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="device_links",
        db_index=False,  # tx_customer_device_unique leads with it
    )
    device = models.ForeignKey(
        Device,
        on_delete=models.CASCADE,
        related_name="customer_links",
        db_index=False,  # tx_device_customer_idx leads with it
    )
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    transaction_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)

    objects = _ModuleQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "device"], name="tx_customer_device_unique")
        ]
        indexes = [models.Index(fields=["device", "customer"], name="tx_device_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} / {self.device_id}"


class CustomerTotals(models.Model):
    """The customer's successful transactions in three figures, kept by the intake.

    A narrow table of its own, not columns of ``customers_customer``: the intake updates these
    for every customer in every batch, and there each update rewrote a ~1.6 KB row and its ~30
    indexes (~0.5 ms a customer on a million rows). The customer list sorts and filters by
    ``volume`` through ``tx_totals_volume_idx``; every customer has a row (created by a
    trigger on ``customers_customer``, migration ``0003``), so the list can join on it.
    """

    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="transaction_totals",
    )
    volume = models.DecimalField(
        "Transaction volume",
        max_digits=20,
        decimal_places=2,
        default=Decimal(0),
        help_text="Successful transactions, in the base currency (settings.BASE_CURRENCY).",
    )
    count = models.PositiveIntegerField("Transactions", default=0)
    last_transaction_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "customer transaction totals"
        verbose_name_plural = "customer transaction totals"
        indexes = [models.Index(fields=["volume", "customer"], name="tx_totals_volume_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.count} / {self.volume}"


class Account(models.Model):
    """A customer's wallet or trading account in one currency, with its ledger balance."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="accounts",
        db_index=False,  # tx_account_unique leads with it
    )
    kind = models.CharField(max_length=8, choices=AccountKind.choices, default=AccountKind.WALLET)
    currency = models.CharField(max_length=3)
    balance = _amount_field(default=Decimal(0))
    overdraft_limit = _amount_field(
        default=Decimal(0), help_text="How far below zero the balance may go (0: not at all)."
    )
    entry_count = models.PositiveIntegerField(default=0)
    last_transaction_at = models.DateTimeField(
        null=True, blank=True, help_text="Latest successful transaction (dormancy rule)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = _ModuleQuerySet.as_manager()

    class Meta:
        ordering = ["customer", "kind", "currency", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "kind", "currency"], name="tx_account_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AccountKind.values), name="tx_account_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(overdraft_limit__gte=0), name="tx_account_overdraft_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.currency} ({self.customer_id})"

    @property
    def balance_display(self) -> str:
        return currencies.format_amount(self.balance, self.currency)

    @property
    def available(self) -> Decimal:
        return self.balance + self.overdraft_limit


class Transaction(models.Model):
    source = models.CharField(
        max_length=64, default="api", help_text="The system that sent it (idempotency scope)."
    )
    external_id = models.CharField("Transaction ID", max_length=64, help_text="Unique per source.")
    # The references of the two intake tables (transactions, ledger entries) are not database
    # foreign keys (db_constraint=False): the intake writes them from rows it has just read,
    # locked or created in the same database transaction, and the referenced rows are never
    # deleted — PROTECT refuses it in Django, triggers in PostgreSQL (migration 0006), and
    # ``reconcile_balances`` proves every reference. Checking them at commit was a sixth of
    # the intake's throughput (docs/decisions.md, 2026-12-06).
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="transactions",
        db_index=False,  # tx_customer_time_idx leads with it
        db_constraint=False,
    )
    account = models.ForeignKey(
        Account,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transactions",
        # No index: an account's transactions are read among its customer's
        # (tx_customer_time_idx); accounts are never deleted (docs/decisions.md).
        db_index=False,
        db_constraint=False,
    )
    occurred_at = models.DateTimeField()
    amount = _amount_field(help_text="Positive; the type (and direction) says credit or debit.")
    currency = models.CharField(max_length=3, help_text="ISO 4217")
    amount_base = models.DecimalField(
        "Amount in base currency",
        max_digits=20,
        decimal_places=2,
        help_text="The amount in settings.BASE_CURRENCY at intake.",
    )
    type = models.CharField(max_length=10, choices=TransactionType.choices)
    direction = models.CharField(
        max_length=3, choices=Direction.choices, blank=True, help_text="Transfers only."
    )
    merchant = models.ForeignKey(
        Merchant,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transactions",
        db_index=False,  # tx_merchant_time_idx leads with it
        db_constraint=False,
    )
    device = models.ForeignKey(
        Device,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transactions",
        db_index=False,  # tx_device_time_idx leads with it
        db_constraint=False,
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    status = models.CharField(max_length=10, choices=TransactionStatus.choices)
    reported_status = models.CharField(
        max_length=10,
        choices=TransactionStatus.choices,
        help_text="The status the source last sent (differs from status when gated).",
    )
    failure_reason = models.CharField(max_length=255, blank=True)
    description = models.CharField(max_length=255, blank=True)
    original = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="For a refund: the transaction it refunds (when known).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TransactionQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="tx_unique_source_id"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tx_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=TransactionStatus.values), name="tx_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(type__in=TransactionType.values), name="tx_type_valid"
            ),
            models.CheckConstraint(
                condition=(Q(type="transfer") & Q(direction__in=Direction.values))
                | (~Q(type="transfer") & Q(direction="")),
                name="tx_direction_transfer_only",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-occurred_at", "-id"], name="tx_customer_time_idx"),
            models.Index(fields=["merchant", "occurred_at"], name="tx_merchant_time_idx"),
            models.Index(fields=["device", "occurred_at"], name="tx_device_time_idx"),
            models.Index(fields=["-occurred_at", "-id"], name="tx_time_idx"),
            models.Index(fields=["status", "-occurred_at", "-id"], name="tx_status_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} {self.amount_display} {self.currency}"

    @property
    def is_credit(self) -> bool:
        return is_credit(self.type, self.direction)

    @property
    def amount_display(self) -> str:
        return currencies.format_amount(self.amount, self.currency)

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.is_credit else -self.amount

    @property
    def tone(self) -> str:
        return TRANSACTION_TONES.get(self.status, "grey")


def is_credit(type_: str, direction: str) -> bool:
    if type_ == TransactionType.TRANSFER:
        return direction == Direction.IN
    return type_ in CREDIT_TYPES


class LedgerEntry(models.Model):
    """One posting to an account: a successful transaction, or the reversal of one."""

    class Kind(models.TextChoices):
        POSTING = "posting", "Posting"
        REVERSAL = "reversal", "Reversal"

    # Not database foreign keys, as Transaction's references (see there).
    account = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
        db_constraint=False,
    )
    transaction = models.ForeignKey(
        Transaction,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.POSTING)
    amount = _amount_field(help_text="Signed: credits positive, debits negative.")
    balance_after = _amount_field()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "id"]
        constraints = [
            models.UniqueConstraint(fields=["transaction", "kind"], name="tx_ledger_once_per_kind")
        ]
        indexes = [models.Index(fields=["account", "id"], name="tx_ledger_account_idx")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount}"


class Rule(models.Model):
    """A monitoring rule; ``parameters`` is validated per ``rule_type`` by ``rules.validate``."""

    name = models.CharField(max_length=120, unique=True)
    rule_type = models.CharField(max_length=20, choices=RuleType.choices)
    parameters = models.JSONField(default=dict, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    enabled = models.BooleanField(default=True)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MonitoringQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rule_type__in=RuleType.values), name="tx_rule_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="tx_rule_severity_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def severity_tone(self) -> str:
        return SEVERITY_TONES.get(self.severity, "grey")


class Alert(models.Model):
    """Something for Compliance to look at: a rule that fired, or a blocked attempt.

    ``dedupe_key`` makes raising the same alert twice (a nightly run repeated, a batch sent
    again) a no-op.
    """

    kind = models.CharField(max_length=16, choices=AlertKind.choices, default=AlertKind.RULE)
    rule = models.ForeignKey(
        Rule, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="alerts", db_index=False
    )
    severity = models.CharField(max_length=8, choices=Severity.choices)
    status = models.CharField(
        max_length=12, choices=AlertStatus.choices, default=AlertStatus.TRIGGERED
    )
    title = models.CharField(max_length=200)
    details = models.JSONField(default=dict, blank=True, help_text="The rule's evidence figures.")
    transactions = models.ManyToManyField(Transaction, related_name="alerts", blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transaction_alerts",
    )
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AlertStatus.values), name="tx_alert_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="tx_alert_severity_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at", "-id"], name="tx_alert_customer_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="tx_alert_status_idx"),
            models.Index(fields=["-created_at", "-id"], name="tx_alert_created_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ALERT_STATUSES

    @property
    def tone(self) -> str:
        return ALERT_TONES.get(self.status, "grey")

    @property
    def severity_tone(self) -> str:
        return SEVERITY_TONES.get(self.severity, "grey")

    def allowed_transitions(self) -> list[str]:
        return sorted(ALERT_TRANSITIONS[self.status])


class AlertNote(models.Model):
    """The alert's history: a note, a status change (from/to) or an assignment."""

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        STATUS = "status", "Status change"
        ASSIGNMENT = "assignment", "Assignment"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NOTE)
    body = models.TextField(blank=True)
    from_status = models.CharField(max_length=12, choices=AlertStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=AlertStatus.choices, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["alert", "created_at"], name="tx_alert_note_idx")]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.get_kind_display()}"
