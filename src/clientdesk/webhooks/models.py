"""Outbound webhooks: endpoints other systems register, and the deliveries sent to them.

Invariants:
- An endpoint's ``secret`` ("whsec_" + base64 of 32 random bytes) is encrypted at rest and
  shown only once, when it is created or rotated. During a rotation's overlap
  (``previous_secret_expires_at`` in the future) every request carries both signatures.
- A delivery is one event for one endpoint. Its ``message_id`` (the ``webhook-id`` header)
  and ``body`` are fixed when the event is emitted, inside the emitting transaction; retries
  and resends send the same id and body, so a receiver can de-duplicate by the id.
- ``status`` moves only through ``services`` following ``TRANSITIONS``: pending -> succeeded
  or failed; a resend puts a finished delivery back to pending.
- Payloads carry ids and masked values only (``events.py`` builds them); never a clear
  identifier.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from clientdesk.core.crypto import EncryptedTextField
from clientdesk.core.permissions import has_access


class EventType(models.TextChoices):
    CUSTOMER_CREATED = "customer.created", "Customer created"
    CUSTOMER_UPDATED = "customer.updated", "Customer updated"
    CUSTOMER_STATUS_CHANGED = "customer.status_changed", "Customer status changed"
    KYC_DECIDED = "kyc.decided", "KYC decided"
    SCREENING_HIT_RAISED = "screening_hit.raised", "Screening hit raised"
    SCREENING_HIT_DECIDED = "screening_hit.decided", "Screening hit decided"
    ALERT_RAISED = "alert.raised", "Alert raised"
    ALERT_CLOSED = "alert.closed", "Alert closed"
    TICKET_CREATED = "ticket.created", "Ticket created"
    TICKET_CLOSED = "ticket.closed", "Ticket closed"
    LEAD_CONVERTED = "lead.converted", "Lead converted"
    MESSAGE_DELIVERY_CHANGED = "message.delivery_changed", "Message delivery changed"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


TRANSITIONS: dict[str, frozenset[str]] = {
    DeliveryStatus.PENDING: frozenset({DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED}),
    DeliveryStatus.SUCCEEDED: frozenset({DeliveryStatus.PENDING}),  # resend
    DeliveryStatus.FAILED: frozenset({DeliveryStatus.PENDING}),  # resend
}

STATUS_TONES = {
    DeliveryStatus.PENDING: "amber",
    DeliveryStatus.SUCCEEDED: "green",
    DeliveryStatus.FAILED: "red",
}

MODULE = "integrations"


class EndpointQuerySet(models.QuerySet["WebhookEndpoint"]):
    def visible_to(self, user: Any) -> EndpointQuerySet:
        return self if has_access(user, MODULE) else self.none()


class WebhookEndpoint(models.Model):
    url = models.URLField(max_length=500, verbose_name="URL")
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="Event types this endpoint receives.")
    is_active = models.BooleanField(default=True, verbose_name="Active")
    secret = EncryptedTextField()
    previous_secret = EncryptedTextField(blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description or self.url

    def event_labels(self) -> list[str]:
        return [EventType(e).label for e in self.events if e in EventType.values]


class DeliveryQuerySet(models.QuerySet["WebhookDelivery"]):
    def visible_to(self, user: Any) -> DeliveryQuerySet:
        return self if has_access(user, MODULE) else self.none()

    def for_list(self) -> DeliveryQuerySet:
        return self.select_related("endpoint").defer("body", "response_body")


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    message_id = models.CharField(max_length=40, unique=True, verbose_name="webhook-id")
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # ``attempts`` when the delivery was last (re)sent: the retry budget counts from here.
    attempts_before_resend = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    succeeded_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_endpoint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id}"

    @property
    def tone(self) -> str:
        return STATUS_TONES.get(self.status, "grey")  # type: ignore[call-overload]


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: what came back and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery", "number", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
