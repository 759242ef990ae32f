"""API shapes. Serializers parse and present; the services validate and write."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clientdesk.customers.models import RiskLevel

from ..models import HitStatus, ListVersion, RiskProfile, ScreeningHit, Trigger


@extend_schema_field(
    {"type": "string", "pattern": "^(low|medium|high)$", "description": "low, medium or high"}
)
class RiskLevelField(serializers.ChoiceField):
    """A risk level. Documented as a pattern, not an enum: drf-spectacular would name the
    enum after another module's low/medium/high choice set (e.g. TaskPriorityEnum)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=RiskLevel.choices, **kwargs)


class FactorSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    points = serializers.IntegerField()
    explanation = serializers.CharField()


class RiskProfileSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    level = RiskLevelField()
    computed_level = RiskLevelField()
    override_level = serializers.CharField(help_text='"low", "medium", "high" or "" (none)')
    factors = FactorSerializer(many=True)
    overridden_by = serializers.SerializerMethodField()

    class Meta:
        model = RiskProfile
        fields = [
            "customer",
            "level",
            "score",
            "computed_level",
            "factors",
            "computed_at",
            "computed_reason",
            "override_level",
            "override_reason",
            "overridden_by",
            "overridden_at",
            "next_reverification_on",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_overridden_by(self, profile: RiskProfile) -> str | None:
        return profile.overridden_by.username if profile.overridden_by else None


class RiskOverrideSerializer(serializers.Serializer):
    level = serializers.CharField(
        allow_blank=True, help_text='"low", "medium", "high", or "" to remove the override.'
    )
    reason = serializers.CharField(max_length=2000)


class ScreeningHitSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id")
    client_id = serializers.CharField(source="customer.client_id")
    customer_name = serializers.CharField(source="customer.full_name")
    list_source = serializers.CharField(source="screening_list.source")
    list_name = serializers.CharField(source="screening_list.name")
    status = serializers.ChoiceField(choices=HitStatus.choices)
    trigger = serializers.ChoiceField(choices=Trigger.choices)
    score = serializers.FloatField()
    name_score = serializers.FloatField()
    decided_by = serializers.SerializerMethodField()

    class Meta:
        model = ScreeningHit
        fields = [
            "id",
            "customer",
            "client_id",
            "customer_name",
            "list_source",
            "list_name",
            "external_id",
            "entry_name",
            "matched_name",
            "screened_name",
            "score",
            "name_score",
            "status",
            "trigger",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decided_by(self, hit: ScreeningHit) -> str | None:
        return hit.decided_by.username if hit.decided_by else None


class ScreeningHitDetailSerializer(ScreeningHitSerializer):
    reasons = serializers.SerializerMethodField()
    entry = serializers.JSONField(source="entry.data", help_text="The list entry as matched.")

    class Meta(ScreeningHitSerializer.Meta):
        fields = [*ScreeningHitSerializer.Meta.fields, "reasons", "entry"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_reasons(self, hit: ScreeningHit) -> list[Any]:
        return list(hit.explanation.get("reasons", []))


class HitDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ListVersionSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="screening_list.source")  # type: ignore[assignment]
    list_name = serializers.CharField(source="screening_list.name")
    category = serializers.CharField(source="screening_list.category")
    counts_by_kind = serializers.DictField(child=serializers.IntegerField())
    loaded_by = serializers.SerializerMethodField()

    class Meta:
        model = ListVersion
        fields = [
            "id",
            "source",
            "list_name",
            "category",
            "number",
            "is_current",
            "digest",
            "published_at",
            "loaded_at",
            "loaded_by",
            "file_name",
            "entry_count",
            "alias_count",
            "counts_by_kind",
            "added_count",
            "changed_count",
            "removed_count",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_loaded_by(self, version: ListVersion) -> str | None:
        return version.loaded_by.username if version.loaded_by else None
