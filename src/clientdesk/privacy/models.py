"""Data protection: the requests of the people whose data ClientDesk holds, their consents,
and the personal-data breach register.

Invariants:
- A ``DataRequest`` is about exactly one person: a customer or a lead (check constraint).
  ``number`` ("DPR-000042") is assigned once from a gap-free counter.
- ``due_at`` = ``received_at`` + the regime's statutory days (settings
  ``PRIVACY_DUE_DAYS_GDPR`` / ``PRIVACY_DUE_DAYS_DPDP``), fixed at creation.
- ``status`` changes only through ``services.change_status`` / ``services.verify_identity``
  following ``TRANSITIONS``: no work (In progress, Completed) before the requester's identity
  is verified; Completed and Refused need the response; final statuses set ``closed_at``.
- ``ConsentRecord`` rows are append-only: the latest row per (customer, purpose, partner)
  is the consent in force, so a withdrawal takes effect at once and the history stays.
- A ``Breach``'s notification deadlines are computed from ``detected_at``, never stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clientdesk.core.permissions import Access, Module, has_access
from clientdesk.core.stored_files import EncryptedFileMixin


class Kind(models.TextChoices):
    ACCESS = "access", "Access"
    CORRECTION = "correction", "Correction"
    ERASURE = "erasure", "Erasure"
    GRIEVANCE = "grievance", "Grievance"
    WITHDRAWAL = "withdrawal", "Withdrawal of consent"
    NOMINATION = "nomination", "Nomination"


class Regime(models.TextChoices):
    GDPR = "gdpr", "GDPR"
    DPDP = "dpdp", "DPDP Act 2023"


class RequestStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    VERIFIED = "verified", "Identity verified"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


R = RequestStatus
# from -> allowed targets. Identity first: nothing is worked or answered before it.
TRANSITIONS: dict[str, frozenset[str]] = {
    R.RECEIVED: frozenset({R.VERIFIED, R.REFUSED, R.WITHDRAWN}),
    R.VERIFIED: frozenset({R.IN_PROGRESS, R.COMPLETED, R.REFUSED, R.WITHDRAWN}),
    R.IN_PROGRESS: frozenset({R.COMPLETED, R.REFUSED, R.WITHDRAWN}),
    R.COMPLETED: frozenset(),
    R.REFUSED: frozenset(),
    R.WITHDRAWN: frozenset(),
}
OPEN_STATUSES = frozenset({R.RECEIVED, R.VERIFIED, R.IN_PROGRESS})
FINAL_STATUSES = frozenset({R.COMPLETED, R.REFUSED, R.WITHDRAWN})
# Targets that answer the requester: the response is required.
NEEDS_RESPONSE = frozenset({R.COMPLETED, R.REFUSED})

STATUS_TONES: dict[str, str] = {
    R.RECEIVED: "blue",
    R.VERIFIED: "amber",
    R.IN_PROGRESS: "amber",
    R.COMPLETED: "green",
    R.REFUSED: "red",
    R.WITHDRAWN: "grey",
}


class IdentityMethod(models.TextChoices):
    ID_DOCUMENT = "id_document", "Identity document checked"
    OTP = "otp", "One-time code to the registered mobile or email"
    IN_PERSON = "in_person", "In person at a branch"
    VIDEO = "video", "Video call"


def due_days(regime: str) -> int:
    """The statutory days to answer under ``regime`` (settings, from the environment)."""
    days: dict[str, int] = settings.PRIVACY_DUE_DAYS
    return int(days[regime])


class DataRequestQuerySet(models.QuerySet["DataRequest"]):
    def visible_to(self, user: Any) -> DataRequestQuerySet:
        """The only way pages and the API list requests: Data protection access."""
        if not has_access(user, Module.PRIVACY, Access.READ):
            return self.none()
        return self.all()

    def for_list(self) -> DataRequestQuerySet:
        return self.select_related("customer", "lead")

    def open(self) -> DataRequestQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class DataRequest(models.Model):
    number = models.CharField(max_length=20, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    regime = models.CharField(max_length=8, choices=Regime.choices)
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=R.RECEIVED)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="privacy_requests",
    )
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requester_name = models.CharField(
        max_length=200, help_text="Who asked: the person, or their nominee or representative."
    )
    details = models.TextField(blank=True)
    received_at = models.DateTimeField()
    due_at = models.DateTimeField()
    identity_method = models.CharField(max_length=12, choices=IdentityMethod.choices, blank=True)
    identity_note = models.CharField(max_length=500, blank=True)
    identity_verified_at = models.DateTimeField(null=True, blank=True)
    identity_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    response = models.TextField(blank=True, help_text="What the requester was told.")
    evidence = models.TextField(
        blank=True, help_text="What was done and where the proof is (references, files)."
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = DataRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False, lead__isnull=True)
                | Q(customer__isnull=True, lead__isnull=False),
                name="privacy_request_one_person",
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="privacy_request_kind"),
            models.CheckConstraint(
                condition=Q(status__in=RequestStatus.values), name="privacy_request_status"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="privacy_request_due_idx"),
            models.Index(fields=["received_at", "id"], name="privacy_request_recv_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.get_kind_display()}"

    @property
    def person(self) -> Any:
        return self.customer or self.lead

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def status_tone(self) -> str:
        return STATUS_TONES.get(self.status, "grey")

    def age_days(self, now: dt.datetime | None = None) -> int:
        end = self.closed_at or now or timezone.now()
        return max((end - self.received_at).days, 0)

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())

    def allowed_transitions(self) -> list[tuple[str, str]]:
        targets = TRANSITIONS[self.status]
        return [(s.value, s.label) for s in RequestStatus if s in targets and s != R.VERIFIED]


# --- consent -------------------------------------------------------------------------------


class Purpose(models.TextChoices):
    MARKETING_EMAIL = "marketing_email", "Marketing by email"
    MARKETING_SMS = "marketing_sms", "Marketing by SMS"
    MARKETING_WHATSAPP = "marketing_whatsapp", "Marketing by WhatsApp"
    MARKETING_PUSH = "marketing_push", "Marketing by push notification"
    MARKETING_IN_APP = "marketing_in_app", "Marketing in the app"
    DATA_SHARING = "data_sharing", "Data sharing with a partner"
    CREDIT_CHECK = "credit_check", "Credit checks"


# The purpose a marketing message on each comms channel needs.
MARKETING_PURPOSE_BY_CHANNEL = {
    "email": Purpose.MARKETING_EMAIL,
    "sms": Purpose.MARKETING_SMS,
    "whatsapp": Purpose.MARKETING_WHATSAPP,
    "push": Purpose.MARKETING_PUSH,
    "in_app": Purpose.MARKETING_IN_APP,
}


class ConsentSource(models.TextChoices):
    BRANCH = "branch", "Branch (signed form)"
    APP = "app", "Mobile app"
    WEB = "web", "Website"
    CALL = "call", "Phone call (recorded)"
    EMAIL = "email", "Email"


class ConsentRecord(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    partner = models.CharField(
        max_length=100, blank=True, help_text="For data sharing: the named partner."
    )
    granted = models.BooleanField(help_text="True: consent given; False: withdrawn or refused.")
    notice_version = models.CharField(max_length=40, help_text="The privacy notice text shown.")
    source = models.CharField(max_length=8, choices=ConsentSource.choices)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=Purpose.values), name="privacy_consent_purpose"
            ),
        ]
        indexes = [
            models.Index(
                fields=["customer", "purpose", "partner", "-recorded_at", "-id"],
                name="privacy_consent_current_idx",
            )
        ]

    def __str__(self) -> str:
        state = "given" if self.granted else "withdrawn"
        return f"{self.get_purpose_display()}: {state}"


# --- breaches ------------------------------------------------------------------------------


class BreachStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONTAINED = "contained", "Contained"
    NOTIFIED = "notified", "Notified"
    CLOSED = "closed", "Closed"


BREACH_TRANSITIONS: dict[str, frozenset[str]] = {
    BreachStatus.OPEN: frozenset({BreachStatus.CONTAINED, BreachStatus.NOTIFIED}),
    BreachStatus.CONTAINED: frozenset({BreachStatus.NOTIFIED, BreachStatus.CLOSED}),
    BreachStatus.NOTIFIED: frozenset({BreachStatus.CLOSED}),
    BreachStatus.CLOSED: frozenset(),
}


class BreachQuerySet(models.QuerySet["Breach"]):
    def visible_to(self, user: Any) -> BreachQuerySet:
        if not has_access(user, Module.PRIVACY, Access.READ):
            return self.none()
        return self.all()


class Breach(models.Model):
    number = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200, help_text="What happened, in one line.")
    description = models.TextField(help_text="What data, how, and what was done about it.")
    detected_at = models.DateTimeField()
    detected_by = models.CharField(max_length=200, help_text="Who noticed it.")
    status = models.CharField(max_length=10, choices=BreachStatus.choices, default="open")
    customer_filter = models.CharField(
        max_length=1000,
        blank=True,
        help_text="The customer list's filter that selects the affected customers, e.g. "
        "city=Pune&status=active.",
    )
    affected_count = models.PositiveIntegerField(default=0)
    authority_notified_at = models.DateTimeField(null=True, blank=True)
    board_notified_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = BreachQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name_plural = "breaches"

    def __str__(self) -> str:
        return f"{self.number} · {self.title}"

    @property
    def gdpr_deadline(self) -> dt.datetime:
        """GDPR art. 33: the supervisory authority within 72 hours of becoming aware."""
        return self.detected_at + dt.timedelta(hours=72)

    @property
    def dpdp_deadline(self) -> dt.datetime:
        """DPDP: the Data Protection Board's detailed report (hours from the settings)."""
        return self.detected_at + dt.timedelta(hours=settings.PRIVACY_DPDP_BREACH_HOURS)


# --- access exports ------------------------------------------------------------------------


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Being prepared"
    READY = "ready", "Ready to download"
    DOWNLOADED = "downloaded", "Downloaded"
    FAILED = "failed", "Failed"


class AccessExport(EncryptedFileMixin, models.Model):
    """The ZIP of an access request: built by a background task, encrypted at rest, fetched
    once through a link whose token is stored only as its SHA-256, deleted when fetched."""

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="exports")
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default="pending")
    file = models.CharField(max_length=255, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0)
    # The stored-file contract (core.stored_files): the plaintext's digest, checked on read.
    sha256 = models.CharField(max_length=64, blank=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    downloaded_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Export for {self.request_id}"

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())
