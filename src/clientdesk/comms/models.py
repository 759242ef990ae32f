"""The outbox of messages to customers, their templates and the customers' channel opt-outs.

Invariants:
- Messages are created only by ``services`` (``queue_customer_message`` for system events,
  ``send_message`` for a free-text message typed by staff); every one is on the customer's
  timeline from the moment it is queued.
- ``status`` moves only along ``TRANSITIONS`` and every move (and every failed attempt that
  will be retried) leaves a ``MessageLog`` row. A message waiting for a retry stays
  ``queued`` with ``next_attempt_at`` in the future; ``attempts`` never exceeds
  ``settings.COMMS_MAX_ATTEMPTS``.
- A channel the customer opted out of, or has no address for, is never sent to: the message
  is kept as ``skipped`` with the reason in ``last_error``.
- Templates are rendered with a context of plain values only (no model instances), so a
  template can never reach a field it was not given (see ``rendering``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clientdesk.core.permissions import Access, has_access
from clientdesk.core.scopes import apply_scope


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    WHATSAPP = "whatsapp", "WhatsApp"
    PUSH = "push", "Push notification"
    IN_APP = "in_app", "In-app"


class Event(models.TextChoices):
    CUSTOMER_STATUS_CHANGED = "customer_status_changed", "Account status changed"
    TICKET_UPDATE = "ticket_update", "Ticket update"
    TICKET_SURVEY = "ticket_survey", "Ticket satisfaction survey"
    KYC_APPROVED = "kyc_approved", "KYC approved"
    KYC_REJECTED = "kyc_rejected", "KYC rejected"
    KYC_RESUBMISSION = "kyc_resubmission", "KYC resubmission requested"
    TRANSACTION_ALERT = "transaction_alert", "Transaction alert"
    MANUAL = "manual", "Message from staff"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


# from -> allowed targets. A retry is not a transition: the message stays queued.
TRANSITIONS: dict[str, frozenset[str]] = {
    MessageStatus.QUEUED: frozenset(
        {MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED}
    ),
    MessageStatus.SENT: frozenset({MessageStatus.DELIVERED, MessageStatus.FAILED}),
    MessageStatus.DELIVERED: frozenset(),
    MessageStatus.FAILED: frozenset(),
    MessageStatus.SKIPPED: frozenset(),
}

STATUS_TONES: dict[str, str] = {
    MessageStatus.QUEUED: "amber",
    MessageStatus.SENT: "blue",
    MessageStatus.DELIVERED: "green",
    MessageStatus.FAILED: "red",
    MessageStatus.SKIPPED: "grey",
}


class MessageQuerySet(models.QuerySet["Message"]):
    def visible_to(self, user: Any) -> MessageQuerySet:
        """The only way pages and the API list messages: Messages and Customers readable,
        and the role's read scope for messages (own: sent by the user or to a customer
        assigned to the user; every default role reads all)."""
        if not (has_access(user, "messages", Access.READ) and has_access(user, "customers")):
            return self.none()
        return apply_scope(self, user, "messages", "created_by", "customer__assigned_to")

    def for_list(self) -> MessageQuerySet:
        return self.select_related("customer", "created_by")


class Message(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="messages"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    event = models.CharField(max_length=32, choices=Event.choices)
    to_address = models.CharField("To", max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MessageStatus.values), name="message_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="message_channel_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at", "-id"], name="message_customer_idx"),
            models.Index(fields=["-created_at", "-id"], name="message_created_idx"),
            models.Index(fields=["status", "-created_at"], name="message_status_idx"),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="queued"),
                name="message_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.customer_id}: {self.preview}"

    @property
    def preview(self) -> str:
        """The subject, or the body's first line: what the timeline and lists show."""
        first_line = (self.body or "").strip().splitlines()[0] if self.body.strip() else ""
        text = self.subject or first_line
        return text if len(text) <= 120 else text[:119] + "…"

    @property
    def tone(self) -> str:
        return STATUS_TONES.get(self.status, "grey")


class MessageLog(models.Model):
    """One line per status change or failed attempt of a message (its delivery history)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="log")
    status = models.CharField(max_length=10, choices=MessageStatus.choices)
    attempt = models.PositiveSmallIntegerField(default=0)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.status} ({self.detail})"


class MessageTemplate(models.Model):
    """Subject and body for one event on one channel, in Django template syntax."""

    event = models.CharField(max_length=32, choices=Event.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["event", "channel"], name="message_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} · {self.get_channel_display()}"


class ChannelPreference(models.Model):
    """A customer's choice about one channel; no row means "not opted out"."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="channel_preferences"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    opted_out = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel"], name="channel_pref_unique")
        ]

    def __str__(self) -> str:
        state = "opted out" if self.opted_out else "opted in"
        return f"{self.customer_id} {self.channel}: {state}"
