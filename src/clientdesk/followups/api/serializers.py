"""API shapes. Serializers parse and present; the services validate and write."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..models import Priority, Task, TaskStatus


class TaskSerializer(serializers.ModelSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True)
    subject_type = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="customers.customer, leads.lead or tickets.ticket",
    )
    subject_id = serializers.CharField(required=False, allow_blank=True)
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "description",
            "due_at",
            "assignee",
            "priority",
            "status",
            "subject_type",
            "subject_id",
            "subject_label",
            "customer",
            "reminder_minutes_before",
            "reminded_at",
            "completed_at",
            "is_overdue",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "subject_label",
            "customer",
            "reminded_at",
            "completed_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "title": {"required": False, "allow_blank": True},
            "description": {"required": False, "allow_blank": True},
            "reminder_minutes_before": {"required": False, "min_value": None, "max_value": None},
        }

    def get_is_overdue(self, task: Task) -> bool:
        return task.is_overdue()

    def service_data(self) -> dict[str, Any]:
        names = (
            "title",
            "description",
            "due_at",
            "assignee",
            "priority",
            "reminder_minutes_before",
        )
        return {k: v for k, v in self.validated_data.items() if k in names}


class TaskUpdateSerializer(TaskSerializer):
    class Meta(TaskSerializer.Meta):
        read_only_fields = [*TaskSerializer.Meta.read_only_fields, "subject_type", "subject_id"]


class TaskStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TaskStatus.choices)
