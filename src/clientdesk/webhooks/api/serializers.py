"""API shapes. Serializers parse and present; the services validate and write."""

from __future__ import annotations

from rest_framework import serializers

from ..models import EventType, WebhookAttempt, WebhookDelivery, WebhookEndpoint

ENDPOINT_FIELDS = [
    "id",
    "url",
    "description",
    "events",
    "is_active",
    "consecutive_failures",
    "disabled_at",
    "disabled_reason",
    "last_success_at",
    "last_failure_at",
    "previous_secret_expires_at",
    "created_at",
    "updated_at",
]


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))

    class Meta:
        model = WebhookEndpoint
        fields = ENDPOINT_FIELDS
        read_only_fields = [
            f for f in ENDPOINT_FIELDS if f not in ("url", "description", "events", "is_active")
        ]


class WebhookEndpointWriteSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), min_length=1, max_length=50
    )
    is_active = serializers.BooleanField(required=False)


class WebhookEndpointSecretSerializer(WebhookEndpointSerializer):
    """The endpoint with its signing secret: only in the answer to create and rotate."""

    secret = serializers.CharField(read_only=True)

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*ENDPOINT_FIELDS, "secret"]


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "response_status", "duration_ms", "error", "succeeded"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_type",
            "message_id",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "response_status",
            "duration_ms",
            "last_error",
            "created_at",
            "succeeded_at",
        ]
        read_only_fields = fields


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    body = serializers.CharField(read_only=True)
    response_body = serializers.CharField(read_only=True)
    log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta(WebhookDeliverySerializer.Meta):
        fields = [*WebhookDeliverySerializer.Meta.fields, "body", "response_body", "log"]
        read_only_fields = fields
