"""One activity timeline for customers, leads and tickets.

An activity is *about* one record (``subject_type`` + ``subject_id``: a customer, a lead, a
ticket ...) and, when that record belongs to a customer, also points at the customer, so the
customer's timeline shows the updates of its tickets too.

Invariant: activities are written only by ``services.log_activity``, which also moves the
customer's (and the subject's) ``last_activity_at`` forward in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    NOTE = "note", "Note"
    CALL = "call", "Call"
    WHATSAPP = "whatsapp", "WhatsApp message"
    MEETING = "meeting", "Meeting"
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    STATUS_CHANGE = "status_change", "Status change"
    EDIT = "edit", "Profile edited"
    CREATED = "created", "Customer created"
    TICKET = "ticket", "Ticket update"
    REVIEW = "review", "Profile review"
    TASK = "task", "Task"
    MESSAGE = "message", "Message to customer"
    DOCUMENT = "document", "Document"
    TRANSACTION = "transaction", "Transaction"


# Kinds a user may add by hand with "+ Activity"; the rest are written by the system.
MANUAL_KINDS = (Kind.NOTE, Kind.CALL, Kind.WHATSAPP, Kind.MEETING)


class Activity(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["customer", "-created_at", "-id"], name="activity_timeline_idx"),
            models.Index(fields=["customer", "kind", "-created_at"], name="activity_kind_idx"),
            models.Index(
                fields=["subject_type", "subject_id", "-created_at", "-id"],
                name="activity_subject_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.subject_type}:{self.subject_id}"
