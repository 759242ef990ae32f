"""API shapes. Serializers parse and present; the services validate and write."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from clientdesk.core.api import IdField
from clientdesk.customers.api.serializers import MaskedStringField

from ..models import Lead, LeadStatus


class LeadSerializer(serializers.ModelSerializer):
    pan = MaskedStringField("pan")
    aadhaar = MaskedStringField("aadhaar")
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True
    )
    status = serializers.ChoiceField(choices=LeadStatus.choices, read_only=True)
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "full_name",
            "first_name",
            "last_name",
            "mobile",
            "alt_mobile",
            "email",
            "client_id",
            "referral_code",
            "source",
            "category",
            "account_type",
            "pan",
            "aadhaar",
            "address_line",
            "city",
            "state",
            "postal_code",
            "country",
            "status",
            "owner",
            "customer",
            "created_at",
            "account_opened_at",
            "account_activated_at",
            "last_activity_at",
            "converted_at",
            "updated_at",
        ]
        read_only_fields = [
            "customer",
            "created_at",
            "account_opened_at",
            "account_activated_at",
            "last_activity_at",
            "converted_at",
            "updated_at",
        ]
        extra_kwargs = {
            name: {"required": False, "allow_blank": True, "validators": []}
            for name in (
                "first_name",
                "last_name",
                "mobile",
                "alt_mobile",
                "email",
                "client_id",
                "referral_code",
                "address_line",
                "city",
                "state",
                "postal_code",
                "country",
            )
        } | {"source": {"required": False}}

    def service_data(self) -> dict[str, Any]:
        """What the client sent, as the service expects it (no DRF-side normalization)."""
        return {k: v for k, v in self.validated_data.items() if k in self.initial_data}


class LeadStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class BulkStatusSerializer(serializers.Serializer):
    ids = serializers.ListField(child=IdField(), max_length=500)
    status = serializers.ChoiceField(choices=LeadStatus.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class BulkAssignSerializer(serializers.Serializer):
    ids = serializers.ListField(child=IdField(), max_length=500)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), allow_null=True
    )


class BulkResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())
