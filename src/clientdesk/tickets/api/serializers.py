"""API shapes. Serializers parse and present; the services validate and write."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clientdesk.customers.models import Customer

from .. import sla
from ..models import (
    Priority,
    SLAStatus,
    Source,
    Status,
    Ticket,
    TicketAttachment,
    TicketComment,
    TicketSubject,
    TicketSurvey,
)


class TicketUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="display_name")


class TicketSurveyResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketSurvey
        fields = ["sent_at", "expires_at", "rating", "comment", "answered_at"]


class TicketSerializer(serializers.ModelSerializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    subject = serializers.PrimaryKeyRelatedField(queryset=TicketSubject.objects.all())
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    source = serializers.ChoiceField(choices=Source.choices)  # type: ignore[assignment]
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    assignees = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True),
        many=True,
        required=False,
        write_only=True,
    )
    assigned_to = serializers.SerializerMethodField()
    sla_status = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "customer",
            "subject",
            "subject_name",
            "description",
            "source",
            "priority",
            "status",
            "assignees",
            "assigned_to",
            "sla_status",
            "created_at",
            "updated_at",
            "first_response_at",
            "first_response_due_at",
            "resolved_at",
            "resolution_due_at",
            "closed_at",
            "sla_paused_at",
            "sla_paused_seconds",
        ]
        read_only_fields = [
            "number",
            "created_at",
            "updated_at",
            "first_response_at",
            "first_response_due_at",
            "resolved_at",
            "resolution_due_at",
            "closed_at",
            "sla_paused_at",
            "sla_paused_seconds",
        ]
        extra_kwargs = {"description": {"required": False, "allow_blank": True}}

    @extend_schema_field(TicketUserSerializer(many=True))
    def get_assigned_to(self, ticket: Ticket) -> list[dict[str, Any]]:
        return TicketUserSerializer(ticket.assignees.all(), many=True).data  # type: ignore[return-value]

    @extend_schema_field(serializers.ChoiceField(choices=SLAStatus.choices))
    def get_sla_status(self, ticket: Ticket) -> str:
        now = self.context.get("now") or timezone.now()
        return sla.status_of(ticket, now)

    def service_data(self) -> dict[str, Any]:
        """What the client sent, as the service expects it."""
        return {k: v for k, v in self.validated_data.items() if k in self.initial_data}


class TicketUpdateSerializer(serializers.Serializer):
    subject = serializers.PrimaryKeyRelatedField(
        queryset=TicketSubject.objects.all(), required=False
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    source = serializers.ChoiceField(choices=Source.choices, required=False)  # type: ignore[assignment]
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)


class TicketStatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TicketAssignSerializer(serializers.Serializer):
    assignees = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), many=True
    )


class TicketCommentSerializer(serializers.ModelSerializer):
    author = TicketUserSerializer(read_only=True)

    class Meta:
        model = TicketComment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class TicketAttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    uploaded_by = TicketUserSerializer(read_only=True)

    class Meta:
        model = TicketAttachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "created_at",
            "download_url",
            "api_download_url",
        ]

    api_download_url = serializers.SerializerMethodField(
        help_text="The bytes for an API client (token authentication)."
    )

    def get_download_url(self, attachment: TicketAttachment) -> str:
        from django.urls import reverse

        return reverse("tickets:download", args=[attachment.ticket_id, attachment.pk])

    def get_api_download_url(self, attachment: TicketAttachment) -> str:
        from django.urls import reverse

        return reverse(
            "ticket-download",
            kwargs={"pk": attachment.ticket_id, "attachment_pk": attachment.pk},
        )


class TicketAttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


class TicketDetailSerializer(TicketSerializer):
    survey = TicketSurveyResultSerializer(read_only=True, allow_null=True)

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "survey"]
