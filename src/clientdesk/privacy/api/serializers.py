"""API shapes. Serializers parse and present; the services validate and write."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import Breach, ConsentRecord, DataRequest, IdentityMethod, Kind, Regime, RequestStatus


class PrivacyRequestSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    regime = serializers.ChoiceField(choices=Regime.choices)
    status = serializers.ChoiceField(choices=RequestStatus.choices, read_only=True)
    customer = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**31 - 1, source="customer_id"
    )
    lead = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**31 - 1, source="lead_id"
    )
    is_overdue = serializers.SerializerMethodField()
    age_days = serializers.SerializerMethodField()

    class Meta:
        model = DataRequest
        fields = [
            "id", "number", "kind", "regime", "status", "customer", "lead", "requester_name",
            "details", "received_at", "due_at", "identity_method", "identity_verified_at",
            "response", "evidence", "closed_at", "created_at", "is_overdue", "age_days",
        ]  # fmt: skip
        read_only_fields = [
            "number", "due_at", "identity_method", "identity_verified_at", "response",
            "evidence", "closed_at", "created_at",
        ]  # fmt: skip
        extra_kwargs = {"received_at": {"required": False}}

    def get_is_overdue(self, obj: DataRequest) -> bool:
        return obj.is_overdue()

    def get_age_days(self, obj: DataRequest) -> int:
        return obj.age_days()


class PrivacyVerifySerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=IdentityMethod.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class PrivacyStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    response = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    evidence = serializers.CharField(required=False, allow_blank=True, max_length=10_000)


class PrivacyConsentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConsentRecord
        fields = [
            "id", "customer", "purpose", "partner", "granted", "notice_version", "source",
            "note", "recorded_by", "recorded_at",
        ]  # fmt: skip
        read_only_fields = ["customer", "recorded_by", "recorded_at"]


class PrivacyBreachSerializer(serializers.ModelSerializer):
    gdpr_deadline = serializers.DateTimeField(read_only=True)
    dpdp_deadline = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Breach
        fields = [
            "id", "number", "title", "description", "detected_at", "detected_by", "status",
            "customer_filter", "affected_count", "gdpr_deadline", "dpdp_deadline",
            "authority_notified_at", "board_notified_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


def person_data(validated: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in validated.items() if k not in {"customer_id", "lead_id"}}
