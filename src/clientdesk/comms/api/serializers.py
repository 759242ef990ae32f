"""API shapes. Serializers parse and present; the services validate and write."""

from __future__ import annotations

from rest_framework import serializers

from clientdesk.core.api import IdField

from ..models import Channel, Message


class MessageSerializer(serializers.ModelSerializer):
    customer_client_id = serializers.CharField(source="customer.client_id", read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "customer",
            "customer_client_id",
            "channel",
            "event",
            "to_address",
            "subject",
            "body",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "provider_message_id",
            "sent_at",
            "delivered_at",
            "read_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class InAppMessageSerializer(serializers.ModelSerializer):
    """What the customer's app shows: no addresses, errors or provider details."""

    class Meta:
        model = Message
        fields = ["id", "channel", "event", "subject", "body", "status", "created_at", "read_at"]
        read_only_fields = fields


class SendMessageSerializer(serializers.Serializer):
    customer = IdField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body = serializers.CharField(max_length=5000)


class DeliveredSerializer(serializers.Serializer):
    provider_message_id = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class CommsDeviceSerializer(serializers.Serializer):
    """A device of the customer's app registering for push (FCM registration token)."""

    token = serializers.CharField(max_length=400, write_only=True)
    platform = serializers.ChoiceField(choices=["android", "ios", "web"], default="android")
    id = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
