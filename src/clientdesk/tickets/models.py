"""Support tickets: a customer's request, worked by one or more assignees under an SLA.

Invariants:
- ``number`` ("TKT-000042") is assigned once at creation from a gap-free counter and never
  changes.
- ``status`` changes only through ``services.change_status`` following ``TRANSITIONS``; every
  change is audited and logged on the ticket's (and so the customer's) timeline.
- SLA: ``first_response_due_at`` and ``resolution_due_at`` are computed at creation from the
  ``SLAPolicy`` of the priority. The clock is paused while the ticket waits on the customer
  (status Follow-up Scheduled): ``sla_paused_at`` marks the start of the pause, and on resume
  the paused time is added to ``sla_paused_seconds`` and to every due time not yet met.
- ``first_response_at`` is set once, by the first staff comment (or by resolving/closing a
  ticket that never had one). ``resolved_at``/``closed_at`` are set by the status.
- Attachments are stored under a random name in the default storage, encrypted at rest with
  the row's own data key (``core.stored_files``), and are only ever served by the
  permission-checking, audited download view. ``size`` and ``sha256`` are the plaintext's.
- A survey's token is stored only as its SHA-256; a survey is answered at most once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from clientdesk.core.permissions import Access, has_access
from clientdesk.core.scopes import apply_scope
from clientdesk.core.stored_files import EncryptedFileMixin


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In Progress"
    FOLLOWUP_SCHEDULED = "followup_scheduled", "Follow-up Scheduled"
    FOLLOWUP_COMPLETE = "followup_complete", "Follow-up Complete"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


_WORKING = {Status.OPEN, Status.IN_PROGRESS, Status.FOLLOWUP_SCHEDULED, Status.FOLLOWUP_COMPLETE}

# from -> allowed targets. Closed is final; a Resolved ticket may be reopened.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(_WORKING | {Status.RESOLVED, Status.CLOSED}),
    Status.OPEN: frozenset(_WORKING - {Status.OPEN} | {Status.RESOLVED, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset(
        {Status.OPEN, Status.FOLLOWUP_SCHEDULED, Status.RESOLVED, Status.CLOSED}
    ),
    Status.FOLLOWUP_SCHEDULED: frozenset(
        {Status.FOLLOWUP_COMPLETE, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}
    ),
    Status.FOLLOWUP_COMPLETE: frozenset(
        {Status.IN_PROGRESS, Status.FOLLOWUP_SCHEDULED, Status.RESOLVED, Status.CLOSED}
    ),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

# Statuses in which the ticket is waiting on the customer: the SLA clock stops.
WAITING_ON_CUSTOMER = frozenset({Status.FOLLOWUP_SCHEDULED})
# A ticket in one of these still needs work ("open tickets" on the customer profile).
OPEN_STATUSES = frozenset(set(Status) - {Status.RESOLVED, Status.CLOSED})
DONE_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})

STATUS_TONES = {
    Status.NEW: "blue",
    Status.OPEN: "amber",
    Status.IN_PROGRESS: "amber",
    Status.FOLLOWUP_SCHEDULED: "orange",
    Status.FOLLOWUP_COMPLETE: "amber",
    Status.RESOLVED: "green",
    Status.CLOSED: "grey",
}


class Priority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


PRIORITY_TONES = {
    Priority.LOW: "grey",
    Priority.MEDIUM: "blue",
    Priority.HIGH: "orange",
    Priority.URGENT: "red",
}


class Source(models.TextChoices):
    ON_CALL = "on_call", "On Call"
    OFFICE_VISIT = "office_visit", "Office Visit"
    WHATSAPP = "whatsapp", "WhatsApp"
    EMAIL = "email", "Email"
    APP = "app", "App"


class SLAStatus(models.TextChoices):
    FIRST_RESPONSE_DUE = "first_response_due", "First Response Due"
    FULFILLED = "fulfilled", "Fulfilled"
    FAILED = "failed", "Failed"


SLA_TONES = {
    SLAStatus.FIRST_RESPONSE_DUE: "amber",
    SLAStatus.FULFILLED: "green",
    SLAStatus.FAILED: "red",
}


class TicketSubject(models.Model):
    """The configurable list of ticket subjects (managed by Managers and Admins)."""

    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class SLAPolicy(models.Model):
    """Targets per priority, in minutes of (unpaused) time."""

    priority = models.CharField(max_length=8, choices=Priority.choices, unique=True)
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_minutes__gt=0) & Q(resolution_minutes__gt=0),
                name="sla_policy_positive",
            )
        ]

    def __str__(self) -> str:
        targets = f"{self.first_response_minutes}/{self.resolution_minutes} min"
        return f"{self.get_priority_display()}: {targets}"


class TicketQuerySet(models.QuerySet["Ticket"]):
    def visible_to(self, user: Any) -> TicketQuerySet:
        """The only way pages and the API list tickets: Tickets access and the role's read
        scope (own: the user is an assignee; every default role reads the whole queue).

        Writing is narrower (``services.can_edit``: Support users only their assigned tickets).
        """
        if not has_access(user, "tickets", Access.READ):
            return self.none()

        def assigned(who: Any) -> Q:
            return Q(pk__in=TicketAssignment.objects.filter(who("user")).values("ticket_id"))

        return apply_scope(self, user, "tickets", extra=assigned)

    def for_list(self) -> TicketQuerySet:
        return self.select_related("customer", "subject").prefetch_related("assignees")

    def open(self) -> TicketQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Ticket(models.Model):
    number = models.CharField(max_length=20, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="tickets"
    )
    subject = models.ForeignKey(TicketSubject, on_delete=models.PROTECT, related_name="tickets")
    description = models.TextField(blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    assignees: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="TicketAssignment",
        through_fields=("ticket", "user"),
        related_name="assigned_tickets",
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # SLA: targets copied from the policy at creation, due times pushed by pauses.
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()
    first_response_due_at = models.DateTimeField()
    resolution_due_at = models.DateTimeField()
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_paused_seconds = models.PositiveIntegerField(default=0)
    sla_status = models.CharField(
        "SLA status",
        max_length=20,
        choices=SLAStatus.choices,
        default=SLAStatus.FIRST_RESPONSE_DUE,
    )
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="ticket_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="ticket_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=Source.values), name="ticket_source_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["created_at", "id"], name="ticket_created_idx"),
            # The list's sorts (status or priority, newest first within each) walk these in
            # their own directions (tests/core/test_sort_indexes.py).
            models.Index(fields=["status", "-created_at", "-id"], name="ticket_status_created_idx"),
            # The desk's usual view: a status and a priority, newest first.
            models.Index(
                fields=["status", "priority", "created_at", "id"], name="ticket_status_prio_idx"
            ),
            models.Index(fields=["priority", "-created_at", "-id"], name="ticket_prio_created_idx"),
            models.Index(fields=["customer", "status"], name="ticket_customer_status_idx"),
            models.Index(fields=["subject", "created_at"], name="ticket_subject_created_idx"),
            models.Index(fields=["sla_status", "created_at"], name="ticket_sla_created_idx"),
            models.Index(
                fields=["first_response_due_at"],
                condition=Q(first_response_at__isnull=True, sla_paused_at__isnull=True),
                name="ticket_response_due_idx",
            ),
            models.Index(
                fields=["resolution_due_at"],
                condition=Q(resolved_at__isnull=True, sla_paused_at__isnull=True),
                name="ticket_resolution_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.subject}" if self.subject_id else self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_final(self) -> bool:
        return not TRANSITIONS[self.status]

    @property
    def status_tone(self) -> str:
        return STATUS_TONES.get(self.status, "grey")  # type: ignore[call-overload]

    @property
    def priority_tone(self) -> str:
        return PRIORITY_TONES.get(self.priority, "grey")  # type: ignore[call-overload]

    @property
    def sla_tone(self) -> str:
        return SLA_TONES.get(self.sla_status, "grey")  # type: ignore[call-overload]

    def allowed_transitions(self) -> list[str]:
        order = list(Status.values)
        return sorted(TRANSITIONS[self.status], key=order.index)


class TicketAssignment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticket_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "user"], name="ticket_assignment_unique")
        ]
        indexes = [models.Index(fields=["user", "ticket"], name="ticket_assignee_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.user_id}"


class RoundRobinState(models.Model):
    """When each Support user last received a ticket (``last_seq`` from a counter, not the
    clock, so that two assignments in the same instant still have an order)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_seq = models.PositiveBigIntegerField(default=0)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: #{self.last_seq}"


class TicketComment(models.Model):
    """An internal note on a ticket (never shown to the customer)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_comment_idx")]

    def __str__(self) -> str:
        return f"Comment on {self.ticket_id}"


class TicketAttachment(EncryptedFileMixin, models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.CharField(max_length=255, help_text="Storage name (random).", editable=False)
    original_name = models.CharField(max_length=255, help_text="The uploader's name, a label.")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticket_attachment_idx")]

    def __str__(self) -> str:
        return self.original_name


class TicketSurvey(models.Model):
    """The satisfaction survey sent when a ticket is closed (one per ticket, answered once)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey")
    token_hash = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="ticket_survey_rating_range",
            )
        ]

    def __str__(self) -> str:
        return f"Survey for {self.ticket_id}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None
