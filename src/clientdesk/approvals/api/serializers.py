from __future__ import annotations

from rest_framework import serializers

from ..models import ApprovalRequest


class ApprovalRequestSerializer(serializers.ModelSerializer):
    maker = serializers.CharField(source="maker.username", read_only=True)
    checker = serializers.CharField(source="checker.username", read_only=True, default=None)

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "action_key",
            "status",
            "summary",
            "target_type",
            "target_id",
            "target_repr",
            "payload",
            "before",
            "after",
            "maker",
            "checker",
            "created_at",
            "expires_at",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields


class ApprovalDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
