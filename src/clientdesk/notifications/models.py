"""In-app notifications for staff: assignment, mention, SLA breach, task reminder.

Invariant: created only through ``services.notify``; a notification is read once
(``read_at`` set) and never edited otherwise.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class NotificationKind(models.TextChoices):
    ASSIGNMENT = "assignment", "Assignment"
    MENTION = "mention", "Mention"
    SLA_BREACH = "sla_breach", "SLA breach"
    TASK_REMINDER = "task_reminder", "Task reminder"
    INFO = "info", "Information"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    # What it is about (dedupe key for reminders and breaches): "<app.model>:<pk>:<event>"
    key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notif_inbox_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=~models.Q(key=""), name="notif_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"
