"""API shapes. The services parse and validate call input (``services.parse_call``); these
serializers present calls and document the input for the OpenAPI schema."""

from __future__ import annotations

from rest_framework import serializers

from clientdesk.core.api import IdField

from ..models import CallLog, CallStatus, Direction


class CallLogSerializer(serializers.ModelSerializer):
    direction_display = serializers.CharField(source="get_direction_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    recording_url = serializers.URLField(read_only=True, allow_blank=True)  # "" when none

    class Meta:
        model = CallLog
        fields = [
            "id",
            "direction",
            "direction_display",
            "from_number",
            "to_number",
            "party_number",
            "started_at",
            "duration_seconds",
            "status",
            "status_display",
            "notes",
            "recording_url",
            "staff",
            "is_cold_call",
            "customer",
            "lead",
            "source",
            "device_id",
            "device_call_id",
            "created_at",
        ]
        read_only_fields = fields


class CallInputSerializer(serializers.Serializer):
    """One call as sent by a client (documentation; ``services.parse_call`` validates).

    Direction and status also accept their labels ("Outgoing", "No Answer"). The customer's
    number (``to_number`` of an outgoing call, ``from_number`` of an incoming one) is required;
    numbers without a country code are read as Indian. ``started_at`` is ISO 8601 or Unix
    time in seconds or milliseconds. ``staff`` defaults to the caller.
    """

    direction = serializers.ChoiceField(choices=Direction.choices)
    from_number = serializers.CharField(required=False, allow_blank=True)
    to_number = serializers.CharField(required=False, allow_blank=True)
    started_at = serializers.DateTimeField()
    duration_seconds = serializers.IntegerField(required=False, min_value=0, max_value=86400)
    status = serializers.ChoiceField(choices=CallStatus.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    recording_url = serializers.URLField(required=False, allow_blank=True, max_length=500)
    staff = IdField(required=False, help_text="User id; default: the caller.")
    device_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    device_call_id = serializers.CharField(
        required=False, allow_blank=True, max_length=64, help_text="Required by the intake."
    )


class IntakeRowSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    device_call_id = serializers.CharField(allow_null=True)
    id = serializers.IntegerField(required=False, help_text="The stored call.")
    of = serializers.IntegerField(required=False, help_text="Repeat of this index in the batch.")


class IntakeErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    device_call_id = serializers.CharField(allow_null=True)
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField())
    )


class IntakeResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created_count = serializers.IntegerField()
    existing_count = serializers.IntegerField()
    error_count = serializers.IntegerField()
    created = IntakeRowSerializer(many=True)
    existing = IntakeRowSerializer(many=True)
    errors = IntakeErrorSerializer(many=True)  # type: ignore[assignment]
