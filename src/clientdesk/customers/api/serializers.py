"""API shapes. Serializers parse and present; the services validate and write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import prefetch_related_objects
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clientdesk.core.masking import mask

from ..models import SENSITIVE_FIELDS, Customer, KycStatus, RiskLevel, Status


class MaskedField(serializers.Field):
    """Always masked on output; plain on input."""

    def __init__(self, field: str, **kwargs: Any) -> None:
        self.masked_field = field
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def get_attribute(self, instance: Customer) -> Any:
        return getattr(instance, self.masked_field)

    def to_representation(self, value: Any) -> str:
        return mask(self.masked_field, value)

    def to_internal_value(self, data: Any) -> Any:
        if data is not None and not isinstance(data, str | int):
            raise serializers.ValidationError("Enter text.")
        return "" if data is None else str(data)


@extend_schema_field({"type": "string", "example": "XXXXXX234F"})
class MaskedStringField(MaskedField):
    pass


# The customer's transaction totals live in ``transactions.CustomerTotals``
# (``customer.transaction_totals``); the API shows them as before, read-only.


class TotalsVolumeField(serializers.DecimalField):
    def get_attribute(self, instance: Customer) -> Any:
        totals = getattr(instance, "transaction_totals", None)
        return totals.volume if totals is not None else Decimal(0)


class TotalsDateTimeField(serializers.DateTimeField):
    def get_attribute(self, instance: Customer) -> Any:
        totals = getattr(instance, "transaction_totals", None)
        return totals.last_transaction_at if totals is not None else None


class TotalsCountField(serializers.IntegerField):
    def get_attribute(self, instance: Customer) -> Any:
        totals = getattr(instance, "transaction_totals", None)
        return totals.count if totals is not None else 0


class CustomerListSerializer(serializers.ListSerializer):
    """Fetches the page's transaction totals in one query (they live in their own table)."""

    def to_representation(self, data: Any) -> Any:
        items = list(data.all() if hasattr(data, "all") else data)
        prefetch_related_objects(items, "transaction_totals")
        return super().to_representation(items)


class CustomerSerializer(serializers.ModelSerializer):
    date_of_birth = MaskedStringField("date_of_birth")
    pan = MaskedStringField("pan")
    aadhaar = MaskedStringField("aadhaar")
    id_number = MaskedStringField("id_number")
    bank_account_number = MaskedStringField("bank_account_number")
    assigned_to = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    kyc_status = serializers.ChoiceField(choices=KycStatus.choices, read_only=True)
    risk_level = serializers.ChoiceField(
        choices=RiskLevel.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty until a risk profile is computed.",
    )
    full_name = serializers.CharField(read_only=True)
    transaction_volume = TotalsVolumeField(
        read_only=True,
        max_digits=20,
        decimal_places=2,
        help_text="Successful transactions, in the base currency.",
    )
    transaction_count = TotalsCountField(read_only=True)
    last_transaction_at = TotalsDateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Customer
        list_serializer_class = CustomerListSerializer
        fields = [
            "id",
            "client_id",
            "full_name",
            "first_name",
            "last_name",
            "date_of_birth",
            "gender",
            "marital_status",
            "mobile",
            "alt_mobile",
            "email",
            "address_line",
            "city",
            "state",
            "postal_code",
            "country",
            "nationality",
            "id_type",
            "id_number",
            "pan",
            "aadhaar",
            "bank_account_number",
            "bank_ifsc",
            "bank_name",
            "income_band",
            "occupation",
            "source_of_funds",
            "status",
            "assigned_to",
            "created_at",
            "account_opened_at",
            "account_activated_at",
            "last_activity_at",
            "updated_at",
            "kyc_status",
            "risk_level",
            "risk_score",
            "next_reverification_on",
            "transaction_volume",
            "transaction_count",
            "last_transaction_at",
        ]
        read_only_fields = [
            "client_id",
            "created_at",
            "account_opened_at",
            "account_activated_at",
            "last_activity_at",
            "updated_at",
            "kyc_status",
            "risk_level",
            "risk_score",
            "next_reverification_on",
        ]
        extra_kwargs = {
            name: {"required": False, "allow_blank": True, "validators": []}
            for name in (
                "first_name",
                "mobile",
                "last_name",
                "alt_mobile",
                "email",
                "address_line",
                "city",
                "state",
                "postal_code",
                "country",
                "nationality",
                "bank_ifsc",
                "bank_name",
                "occupation",
            )
        } | {
            name: {"required": False, "allow_blank": True}
            for name in ("gender", "marital_status", "id_type", "income_band", "source_of_funds")
        }

    def service_data(self) -> dict[str, Any]:
        """What the client sent, as the service expects it (no DRF-side normalization)."""
        return {k: v for k, v in self.validated_data.items() if k in self.initial_data}


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    reason = serializers.CharField(max_length=2000)


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[(f, f) for f in SENSITIVE_FIELDS])


class RevealResultSerializer(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class IdentifierLookupSerializer(serializers.Serializer):
    identifier = serializers.CharField(
        max_length=40,
        help_text="An exact PAN, Aadhaar, passport or ID number (spaces and hyphens ignored).",
    )

    def validate_identifier(self, value: str) -> str:
        from ..lookup import looks_like_identifier

        if not looks_like_identifier(value):
            raise serializers.ValidationError(
                "Enter a complete PAN, Aadhaar, passport or ID number; search names, mobiles "
                "and emails with GET ?q=.",
                code="not_an_identifier",
            )
        return value
