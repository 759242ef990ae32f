"""API shapes. Serializers parse and present; the services validate and write."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clientdesk.customers.models import Customer, KycStatus

from ..access import may_open
from ..models import (
    CheckOutcome,
    CheckStatus,
    Decision,
    Document,
    DocumentCheck,
    DocumentKind,
    KycStatusChange,
    ReasonCode,
    ReviewStatus,
)


class KycUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="display_name")


class DocumentCheckSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=CheckStatus.choices)
    name = serializers.CharField(source="label", read_only=True)

    class Meta:
        model = DocumentCheck
        fields = ["code", "name", "status", "detail", "data"]


class DocumentSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    check_outcome = serializers.ChoiceField(choices=CheckOutcome.choices)
    review_status = serializers.ChoiceField(choices=ReviewStatus.choices)
    reason_code = serializers.ChoiceField(choices=ReasonCode.choices, allow_blank=True)
    uploaded_by = KycUserSerializer(read_only=True, allow_null=True)
    reviewed_by = KycUserSerializer(read_only=True, allow_null=True)
    checks = DocumentCheckSerializer(many=True, read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "customer",
            "kind",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "pages",
            "uploaded_by",
            "uploaded_at",
            "check_outcome",
            "checks_completed_at",
            "checks",
            "review_status",
            "reviewed_by",
            "reviewed_at",
            "reason_code",
            "review_comment",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_download_url(self, document: Document) -> str | None:
        """Null when the caller's role may not open this file (an ID document for a role that
        may not see identifiers; kyc/access.py)."""
        request = self.context.get("request")
        if request is not None and not may_open(request.user, document):
            return None
        return reverse("kyc-document-download", args=[document.pk])


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    kind = serializers.ChoiceField(choices=DocumentKind.choices)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reason_code = serializers.ChoiceField(
        choices=ReasonCode.choices, required=False, allow_blank=True, default=""
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class KycStatusChangeSerializer(serializers.ModelSerializer):
    from_status = serializers.ChoiceField(choices=KycStatus.choices)
    to_status = serializers.ChoiceField(choices=KycStatus.choices)
    actor = KycUserSerializer(read_only=True, allow_null=True)

    class Meta:
        model = KycStatusChange
        fields = ["from_status", "to_status", "reason", "actor", "created_at"]


class RequiredDocumentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    document = serializers.IntegerField(allow_null=True, help_text="The newest document's id")
    review_status = serializers.ChoiceField(choices=ReviewStatus.choices, allow_null=True)


class KycSummarySerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    kyc_status = serializers.ChoiceField(choices=KycStatus.choices)
    documents = RequiredDocumentSerializer(many=True, help_text="The required kinds")
    history = KycStatusChangeSerializer(many=True)


class ReviewQueueSerializer(serializers.ModelSerializer):
    kyc_status = serializers.ChoiceField(choices=KycStatus.choices)
    waiting = serializers.IntegerField(help_text="Documents awaiting a decision")
    waiting_since = serializers.DateTimeField(help_text="Upload time of the oldest of them")
    worst_check = serializers.SerializerMethodField()
    name = serializers.CharField(source="full_name")

    class Meta:
        model = Customer
        fields = [
            "id",
            "client_id",
            "name",
            "kyc_status",
            "risk_level",
            "risk_score",
            "waiting",
            "waiting_since",
            "worst_check",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=CheckOutcome.choices))
    def get_worst_check(self, customer: Any) -> str:
        from ..models import OUTCOME_RISK

        ranks = {rank: outcome for outcome, rank in OUTCOME_RISK.items()}
        return ranks.get(customer.worst_check, "pending")
