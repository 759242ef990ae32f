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
    READ = "read", "Read"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    # A development backend (file, console) took it: it never left the building.
    NOT_SENT = "not_sent", "Not sent (development backend)"


# from -> allowed targets. A retry is not a transition: the message stays queued.
TRANSITIONS: dict[str, frozenset[str]] = {
    MessageStatus.QUEUED: frozenset(
        {
            MessageStatus.SENT,
            MessageStatus.DELIVERED,
            MessageStatus.FAILED,
            MessageStatus.NOT_SENT,
        }
    ),
    # Receipts from the provider; they may arrive out of order (read before delivered).
    MessageStatus.SENT: frozenset(
        {MessageStatus.DELIVERED, MessageStatus.READ, MessageStatus.FAILED}
    ),
    MessageStatus.DELIVERED: frozenset({MessageStatus.READ}),
    MessageStatus.READ: frozenset(),
    MessageStatus.FAILED: frozenset(),
    MessageStatus.SKIPPED: frozenset(),
    MessageStatus.NOT_SENT: frozenset(),
}

STATUS_TONES: dict[str, str] = {
    MessageStatus.QUEUED: "amber",
    MessageStatus.SENT: "blue",
    MessageStatus.DELIVERED: "green",
    MessageStatus.READ: "green",
    MessageStatus.FAILED: "red",
    MessageStatus.SKIPPED: "grey",
    MessageStatus.NOT_SENT: "amber",
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
    # Which adapter accepted it (settings.COMMS_CHANNELS[channel]["provider"]): receipts
    # from a provider's webhook are matched on (provider, provider_message_id).
    provider = models.CharField(max_length=20, blank=True)
    # WhatsApp: the approved template and its parameters (business-initiated messages);
    # SMS in India: the DLT template id registered with the operator (TRAI).
    provider_template = models.CharField(max_length=100, blank=True)
    provider_language = models.CharField(max_length=10, blank=True)
    template_params = models.JSONField(default=list, blank=True)
    dlt_template_id = models.CharField("DLT template id", max_length=40, blank=True)
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
            models.Index(fields=["provider", "provider_message_id"], name="message_provider_idx"),
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
    # WhatsApp: the name of the template approved by Meta, its language, and which context
    # values fill its {{1}}, {{2}} ... parameters (comma-separated names, e.g.
    # "first_name,ticket_number"). SMS (India): the DLT template id of the text registered
    # on the operator's DLT platform.
    provider_template = models.CharField("Approved template name", max_length=100, blank=True)
    provider_language = models.CharField("Template language", max_length=10, default="en")
    provider_params = models.CharField("Template parameters", max_length=300, blank=True)
    dlt_template_id = models.CharField("DLT template id", max_length=40, blank=True)
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


class Suppression(models.Model):
    """An address a provider told us is undeliverable (hard bounce, spam complaint, invalid
    number): nothing is sent to it again until it is removed."""

    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=254)
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "address"], name="suppression_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.address}: {self.reason}"


class DeviceToken(models.Model):
    """A push registration token of one of the customer's devices (FCM); pruned when FCM
    answers UNREGISTERED or INVALID_ARGUMENT for it."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="device_tokens"
    )
    token = models.CharField(max_length=400, unique=True)
    platform = models.CharField(max_length=10, default="android")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.customer_id} {self.platform} …{self.token[-6:]}"


class ProviderEvent(models.Model):
    """One webhook event from a provider, stored once (idempotent by the provider's event
    id) and processed by a task. The payload is cleared once processed."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)  # status | inbound | bounce
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_unique")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.event_id}"


class InboundQuerySet(models.QuerySet["InboundMessage"]):
    def visible_to(self, user: Any) -> InboundQuerySet:
        """Messages readable (and customers, for the customer's name and link)."""
        if not (has_access(user, "messages", Access.READ) and has_access(user, "customers")):
            return self.none()
        return self

    def unread(self) -> InboundQuerySet:
        return self.filter(read_at__isnull=True)


class InboundMessage(models.Model):
    """A reply a customer or lead sent by WhatsApp or SMS; matched by number (E.164)."""

    channel = models.CharField(max_length=10, choices=Channel.choices)
    provider = models.CharField(max_length=20)
    provider_message_id = models.CharField(max_length=200)
    from_number = models.CharField(max_length=20)
    body = models.TextField(blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inbound_messages",
    )
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opt_out = models.BooleanField(default=False)

    objects = InboundQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_message_id"], name="inbound_unique"
            )
        ]
        indexes = [
            models.Index(fields=["customer", "channel", "-received_at"], name="inbound_cust_idx"),
            models.Index(
                fields=["received_at"], condition=Q(read_at__isnull=True), name="inbound_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} from {self.from_number}"

    @property
    def preview(self) -> str:
        text = " ".join((self.body or "").split())
        return text if len(text) <= 120 else text[:119] + "…"
