"""API shapes. The intake parses and validates transaction input (``intake.parse_transaction``);
these serializers present records and document the input for the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clientdesk.core.api import IdField

from ..models import Account as AccountModel
from ..models import (
    AccountKind,
    Alert,
    AlertNote,
    AlertStatus,
    Channel,
    CustomerDevice,
    Device,
    DeviceType,
    Direction,
    Merchant,
    Rule,
    RuleType,
    Severity,
    Transaction,
    TransactionStatus,
    TransactionType,
)


def _blank_choice(choices: Any, **kwargs: Any) -> serializers.ChoiceField:
    """A read-only choice that may be empty (a blank model field). DRF drops ``allow_blank``
    from read-only fields, so the document promised one of the choices and the API sent ""."""
    return serializers.ChoiceField(choices=choices, allow_blank=True, read_only=True, **kwargs)


class MerchantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Merchant
        fields = [
            "id",
            "merchant_id",
            "name",
            "mcc",
            "category",
            "city",
            "country",
            "is_high_risk",
            "created_at",
        ]
        read_only_fields = fields


class MerchantRiskSerializer(serializers.Serializer):
    is_high_risk = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000)


class DeviceSerializer(serializers.ModelSerializer):
    device_type = _blank_choice(DeviceType.choices)

    class Meta:
        model = Device
        fields = [
            "id",
            "device_id",
            "device_type",
            "model",
            "os",
            "first_seen_at",
            "last_seen_at",
            "status",
            "status_reason",
            "status_changed_at",
        ]
        read_only_fields = fields


class CustomerDeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = CustomerDevice
        fields = ["customer", "first_seen_at", "last_seen_at", "transaction_count", "failed_count"]
        read_only_fields = fields


class DeviceDetailSerializer(DeviceSerializer):
    customers = CustomerDeviceSerializer(source="customer_links", many=True, read_only=True)

    class Meta(DeviceSerializer.Meta):
        fields = [*DeviceSerializer.Meta.fields, "customers"]
        read_only_fields = fields


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountModel
        fields = [
            "id",
            "customer",
            "kind",
            "currency",
            "balance",
            "overdraft_limit",
            "entry_count",
            "last_transaction_at",
            "created_at",
        ]
        read_only_fields = fields


class _MerchantBrief(serializers.ModelSerializer):
    class Meta:
        model = Merchant
        fields = ["id", "merchant_id", "name", "mcc", "is_high_risk"]
        read_only_fields = fields


class _DeviceBrief(serializers.ModelSerializer):
    device_type = _blank_choice(DeviceType.choices)

    class Meta:
        model = Device
        fields = ["id", "device_id", "device_type", "status"]
        read_only_fields = fields


class TransactionSerializer(serializers.ModelSerializer):
    transaction_id = serializers.CharField(source="external_id", read_only=True)
    merchant = _MerchantBrief(read_only=True, allow_null=True)
    device = _DeviceBrief(read_only=True, allow_null=True)
    customer_client_id = serializers.CharField(source="customer.client_id", read_only=True)
    direction = _blank_choice(Direction.choices, help_text="Transfers only; empty otherwise.")
    channel = _blank_choice(Channel.choices)

    class Meta:
        model = Transaction
        fields = [
            "id",
            "source",
            "transaction_id",
            "customer",
            "customer_client_id",
            "account",
            "occurred_at",
            "amount",
            "currency",
            "amount_base",
            "type",
            "direction",
            "channel",
            "status",
            "reported_status",
            "failure_reason",
            "description",
            "merchant",
            "device",
            "original",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TransactionInputSerializer(serializers.Serializer):
    """One transaction as a source sends it (documentation; the intake validates).

    ``amount`` is a positive decimal (string or exact JSON number) with at most the
    currency's minor units; ``type`` and ``direction`` say credit or debit. ``customer`` is
    the client ID (or numeric id). Unknown merchants and devices are created on first sight;
    merchant and device may also be given as flat ``merchant_*`` / ``device_*`` fields.
    """

    transaction_id = serializers.CharField(max_length=64, help_text="Unique per source.")
    source = serializers.CharField(  # type: ignore[assignment]
        required=False, max_length=64, help_text="Default: api."
    )
    customer = serializers.CharField(help_text="Client ID, e.g. CD000123, or numeric id.")
    occurred_at = serializers.DateTimeField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=3, min_value=0)
    currency = serializers.CharField(min_length=3, max_length=3, help_text="ISO 4217")
    type = serializers.ChoiceField(choices=TransactionType.choices)
    direction = serializers.ChoiceField(
        choices=Direction.choices, required=False, help_text="Transfers only (required for them)."
    )
    status = serializers.ChoiceField(
        choices=TransactionStatus.choices, required=False, help_text="Default: successful."
    )
    failure_reason = serializers.CharField(required=False, max_length=255)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    account = serializers.ChoiceField(
        choices=AccountKind.choices, required=False, help_text="Default: wallet."
    )
    description = serializers.CharField(required=False, max_length=255)
    merchant_id = serializers.CharField(required=False, max_length=64)
    merchant_name = serializers.CharField(required=False, max_length=200)
    merchant_mcc = serializers.CharField(required=False, max_length=4)
    merchant_category = serializers.CharField(required=False, max_length=100)
    merchant_city = serializers.CharField(required=False, max_length=100)
    merchant_country = serializers.CharField(required=False, max_length=2)
    device_id = serializers.CharField(required=False, max_length=128)
    device_type = serializers.ChoiceField(choices=DeviceType.choices, required=False)
    device_model = serializers.CharField(required=False, max_length=100)
    device_os = serializers.CharField(required=False, max_length=100)
    original_transaction_id = serializers.CharField(
        required=False, max_length=64, help_text="For a refund."
    )


class TransactionIntakeRowSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position in the list, from 0.")
    row = serializers.IntegerField(help_text="Row number (CSV: line number).")
    transaction_id = serializers.CharField(allow_null=True)
    id = serializers.IntegerField(required=False, help_text="The stored transaction.")
    status = serializers.CharField(required=False)
    of = serializers.IntegerField(required=False, help_text="Repeat of this index.")


class TransactionIntakeErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    row = serializers.IntegerField()
    transaction_id = serializers.CharField(allow_null=True)
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField())
    )


class TransactionIntakeResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    stored = serializers.BooleanField(help_text="False when atomic=true rejected the batch.")
    created_count = serializers.IntegerField()
    updated_count = serializers.IntegerField()
    existing_count = serializers.IntegerField()
    error_count = serializers.IntegerField()
    alert_count = serializers.IntegerField()
    created = TransactionIntakeRowSerializer(many=True)
    updated = TransactionIntakeRowSerializer(many=True)
    existing = TransactionIntakeRowSerializer(many=True)
    errors = TransactionIntakeErrorSerializer(many=True)  # type: ignore[assignment]


class CsvUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="UTF-8 CSV with a header row (see docs).")
    atomic = serializers.BooleanField(required=False, default=False)
    source = serializers.CharField(required=False, max_length=64)  # type: ignore[assignment]


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rule
        fields = [
            "id",
            "name",
            "rule_type",
            "parameters",
            "severity",
            "enabled",
            "description",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_by", "created_at", "updated_at"]


class RuleInputSerializer(serializers.Serializer):
    """Documentation of a rule write; ``services`` validates (parameters per rule type)."""

    name = serializers.CharField(max_length=120)
    rule_type = serializers.ChoiceField(choices=RuleType.choices)
    parameters = serializers.JSONField(help_text="Per rule type; see docs/transactions.md.")
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    enabled = serializers.BooleanField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class AlertNoteSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(
        source="author.username", read_only=True, default=None, allow_null=True
    )
    from_status = _blank_choice(AlertStatus.choices, help_text="Status changes only.")
    to_status = _blank_choice(AlertStatus.choices, help_text="Status changes only.")

    class Meta:
        model = AlertNote
        fields = [
            "id",
            "kind",
            "body",
            "from_status",
            "to_status",
            "author",
            "author_name",
            "created_at",
        ]
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(
        source="rule.name", read_only=True, default=None, allow_null=True
    )
    customer_client_id = serializers.CharField(source="customer.client_id", read_only=True)
    allowed_transitions = serializers.ListField(
        child=serializers.ChoiceField(choices=AlertStatus.choices), read_only=True
    )

    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "rule",
            "rule_name",
            "customer",
            "customer_client_id",
            "severity",
            "status",
            "title",
            "details",
            "assigned_to",
            "created_at",
            "updated_at",
            "closed_at",
            "allowed_transitions",
        ]
        read_only_fields = fields


class AlertDetailSerializer(AlertSerializer):
    transactions: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    notes = AlertNoteSerializer(many=True, read_only=True)

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "transactions", "notes"]
        read_only_fields = fields


class AlertTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AlertStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class AlertAssignSerializer(serializers.Serializer):
    assigned_to = IdField(allow_null=True, help_text="User id; null: unassign.")


class AlertNoteInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=5000)


class _Summary(serializers.Serializer):
    count = serializers.IntegerField()
    successful = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField()
    reversed = serializers.IntegerField()
    success_rate = serializers.FloatField(
        allow_null=True, help_text="Percent of successful + failed."
    )
    volume = serializers.DecimalField(max_digits=20, decimal_places=2)
    credits = serializers.DecimalField(max_digits=20, decimal_places=2)
    debits = serializers.DecimalField(max_digits=20, decimal_places=2)
    average = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    largest = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    first_at = serializers.DateTimeField(allow_null=True)
    last_at = serializers.DateTimeField(allow_null=True)


class _ByCurrency(serializers.Serializer):
    currency = serializers.CharField()
    count = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=20, decimal_places=3)
    total_base = serializers.DecimalField(max_digits=20, decimal_places=2)


class _OverTime(serializers.Serializer):
    period = serializers.DateField()
    count = serializers.IntegerField()
    successful = serializers.IntegerField()
    failed = serializers.IntegerField()
    volume = serializers.DecimalField(max_digits=20, decimal_places=2)


class _TopMerchant(serializers.Serializer):
    id = serializers.IntegerField()
    merchant_id = serializers.CharField()
    name = serializers.CharField()
    mcc = serializers.CharField()
    count = serializers.IntegerField()
    volume = serializers.DecimalField(max_digits=20, decimal_places=2)
    last_at = serializers.DateTimeField()


class _DeviceUse(serializers.Serializer):
    id = serializers.IntegerField()
    device_id = serializers.CharField()
    device_type = serializers.CharField()
    status = serializers.CharField()
    count = serializers.IntegerField()
    failed = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)
    first_at = serializers.DateTimeField()
    last_at = serializers.DateTimeField()


class _Channel(serializers.Serializer):
    channel = serializers.CharField()
    count = serializers.IntegerField()
    volume = serializers.DecimalField(max_digits=20, decimal_places=2)


class AnalyticsSerializer(serializers.Serializer):
    base_currency = serializers.CharField()
    summary = _Summary()
    by_currency = _ByCurrency(many=True)
    over_time = _OverTime(many=True)
    top_merchants = _TopMerchant(many=True)
    devices = _DeviceUse(many=True)
    channels = _Channel(many=True)
