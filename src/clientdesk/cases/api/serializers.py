"""API shapes of cases and regulatory reports (read-only; writes go through the pages'
services)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import Case, CaseEvent, CashTransactionReport, SuspiciousTransactionReport


class CaseEventSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "body", "from_status", "to_status", "author", "created_at"]


class CaseSerializer(serializers.ModelSerializer):
    customer_client_id = serializers.CharField(source="customer.client_id", read_only=True)
    assigned_to = serializers.IntegerField(source="assigned_to_id", read_only=True, allow_null=True)

    class Meta:
        model = Case
        fields = [
            "id", "number", "title", "customer", "customer_client_id", "status", "priority",
            "outcome", "assigned_to", "due_at", "created_at", "updated_at", "closed_at",
        ]  # fmt: skip
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    events = CaseEventSerializer(many=True, read_only=True)
    alerts: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    hits: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "conclusion", "alerts", "hits", "events"]
        read_only_fields = fields


class CaseStrSerializer(serializers.ModelSerializer):
    class Meta:
        model = SuspiciousTransactionReport
        fields = [
            "id", "number", "case", "status", "grounds", "suspicion_concluded_on", "due_on",
            "prepared_by", "approved_by", "approved_at", "filed_at", "acknowledgement", "amends",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class CaseCtrSerializer(serializers.ModelSerializer):
    class Meta:
        model = CashTransactionReport
        fields = [
            "id", "month", "customer", "total", "count", "single_above", "due_on", "status",
            "acknowledgement", "computed_at",
        ]  # fmt: skip
        read_only_fields = fields
