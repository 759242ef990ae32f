"""Leads: prospects on their way to becoming customers.

Invariants:
- ``status`` changes only through ``services`` following ``TRANSITIONS``; every change leaves a
  ``LeadStatusChange`` row (old -> new, who, when, note), an audit record and a timeline
  activity, in one transaction.
- The pipeline::

      New -> Contacted -> Follow-up Scheduled <-> Follow-up Complete -> Documents Collected
          -> Sent to HO -> Documents Verified -> Account Opened -> Account Activated

  with shortcuts forward while the lead is being worked (New/Contacted straight to a
  follow-up or to Documents Collected). "Rejected - Follow-up Required" is reachable from the
  review steps (Sent to HO, Documents Verified) and leads back to Documents Collected (or a
  new follow-up). Account Activated is final.
- "Lead Expired" and "Lead Expired (Account Opened)" are set only by the expiry job
  (``services.expire_leads``, see ``EXPIRY_TRANSITIONS``), never by hand, and are final:
  a lead not opened within ``LEAD_EXPIRY_DAYS`` (60) of creation expires; one opened but not
  activated within ``LEAD_OPENED_EXPIRY_DAYS`` (30) of opening expires.
- ``account_opened_at`` / ``account_activated_at`` are set by the change to Account Opened /
  Account Activated (the first time), never typed.
- ``mobile`` and ``alt_mobile`` are E.164; ``mobile`` is unique among leads and so is a
  non-empty ``email`` (the services also refuse a mobile or email that a customer has).
- PAN and Aadhaar are Fernet tokens; ``*_hash`` holds the keyed hash for exact search.
- ``customer`` is set once, by ``services.convert_lead``; a lead converts at most once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from clientdesk.core.crypto import EncryptedTextField
from clientdesk.core.permissions import Access, has_access
from clientdesk.core.scopes import apply_scope

SENSITIVE_FIELDS = ("pan", "aadhaar")


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    FOLLOWUP_SCHEDULED = "followup_scheduled", "Follow-up Scheduled"
    FOLLOWUP_COMPLETE = "followup_complete", "Follow-up Complete"
    DOCUMENTS_COLLECTED = "documents_collected", "Documents Collected"
    SENT_TO_HO = "sent_to_ho", "Sent to HO"
    DOCUMENTS_VERIFIED = "documents_verified", "Documents Verified"
    ACCOUNT_OPENED = "account_opened", "Account Opened"
    REJECTED = "rejected", "Rejected - Follow-up Required"
    ACCOUNT_ACTIVATED = "account_activated", "Account Activated"
    EXPIRED = "expired", "Lead Expired"
    EXPIRED_OPENED = "expired_opened", "Lead Expired (Account Opened)"


S = LeadStatus

# from -> targets a user may choose. The expiry statuses are missing on purpose: only the
# expiry job sets them (EXPIRY_TRANSITIONS).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.CONTACTED, S.FOLLOWUP_SCHEDULED, S.DOCUMENTS_COLLECTED}),
    S.CONTACTED: frozenset({S.FOLLOWUP_SCHEDULED, S.FOLLOWUP_COMPLETE, S.DOCUMENTS_COLLECTED}),
    S.FOLLOWUP_SCHEDULED: frozenset({S.FOLLOWUP_COMPLETE, S.CONTACTED}),
    S.FOLLOWUP_COMPLETE: frozenset({S.FOLLOWUP_SCHEDULED, S.DOCUMENTS_COLLECTED}),
    S.DOCUMENTS_COLLECTED: frozenset({S.SENT_TO_HO, S.FOLLOWUP_SCHEDULED}),
    S.SENT_TO_HO: frozenset({S.DOCUMENTS_VERIFIED, S.REJECTED}),
    S.DOCUMENTS_VERIFIED: frozenset({S.ACCOUNT_OPENED, S.REJECTED}),
    S.REJECTED: frozenset({S.DOCUMENTS_COLLECTED, S.FOLLOWUP_SCHEDULED}),
    S.ACCOUNT_OPENED: frozenset({S.ACCOUNT_ACTIVATED}),
    S.ACCOUNT_ACTIVATED: frozenset(),
    S.EXPIRED: frozenset(),
    S.EXPIRED_OPENED: frozenset(),
}

# Not opened yet: these expire LEAD_EXPIRY_DAYS after creation.
NOT_OPENED = frozenset(
    {
        S.NEW,
        S.CONTACTED,
        S.FOLLOWUP_SCHEDULED,
        S.FOLLOWUP_COMPLETE,
        S.DOCUMENTS_COLLECTED,
        S.SENT_TO_HO,
        S.DOCUMENTS_VERIFIED,
        S.REJECTED,
    }
)
EXPIRY_TRANSITIONS: dict[str, str] = {
    **{status: S.EXPIRED for status in NOT_OPENED},
    S.ACCOUNT_OPENED: S.EXPIRED_OPENED,
}
# A lead becomes a customer once its account is opened.
CONVERTIBLE = frozenset({S.ACCOUNT_OPENED, S.ACCOUNT_ACTIVATED})

STATUS_TONES: dict[str, str] = {
    S.NEW: "blue",
    S.CONTACTED: "blue",
    S.FOLLOWUP_SCHEDULED: "amber",
    S.FOLLOWUP_COMPLETE: "amber",
    S.DOCUMENTS_COLLECTED: "orange",
    S.SENT_TO_HO: "orange",
    S.DOCUMENTS_VERIFIED: "orange",
    S.ACCOUNT_OPENED: "green",
    S.REJECTED: "red",
    S.ACCOUNT_ACTIVATED: "green",
    S.EXPIRED: "grey",
    S.EXPIRED_OPENED: "grey",
}


class LeadSource(models.TextChoices):
    WEBSITE = "website", "Website"
    REFERRAL = "referral", "Referral"
    WALK_IN = "walk_in", "Walk-in"
    CAMPAIGN = "campaign", "Campaign"
    SOCIAL_MEDIA = "social_media", "Social media"
    PARTNER = "partner", "Partner"
    COLD_CALL = "cold_call", "Cold call"
    OTHER = "other", "Other"


class LeadCategory(models.TextChoices):
    DIRECT = "direct", "Direct"
    INDIRECT = "indirect", "Indirect"


class AccountType(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    JOINT = "joint", "Joint"
    HUF = "huf", "HUF"
    CORPORATE = "corporate", "Corporate"
    NRI = "nri", "NRI"


class LeadQuerySet(models.QuerySet["Lead"]):
    def visible_to(self, user: Any) -> LeadQuerySet:
        """The only way pages, exports, search and the API list leads: Leads access, and the
        role's read scope for leads (own: the user owns the lead; the guide's Sales default).
        The row rule for writes is ``services.can_edit``."""
        if not has_access(user, "leads", Access.READ):
            return self.none()
        return apply_scope(self, user, "leads", "owner")

    def for_list(self) -> LeadQuerySet:
        return self.select_related("owner")


class Lead(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    search_name = models.CharField(max_length=201, editable=False, db_index=True)

    mobile = models.CharField(max_length=20, help_text="E.164, e.g. +919876543210")
    alt_mobile = models.CharField("Alternative mobile", max_length=20, blank=True)
    email = models.CharField(max_length=254, blank=True)

    client_id = models.CharField("Client ID", max_length=30, blank=True)
    referral_code = models.CharField(max_length=30, blank=True)
    source = models.CharField("Lead source", max_length=16, choices=LeadSource.choices)
    category = models.CharField(
        "Lead category", max_length=10, choices=LeadCategory.choices, blank=True
    )
    account_type = models.CharField(max_length=12, choices=AccountType.choices, blank=True)

    pan = EncryptedTextField("PAN", blank=True, default="")
    pan_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    aadhaar = EncryptedTextField("Aadhaar", blank=True, default="")
    aadhaar_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)

    address_line = models.CharField("Street address", max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField("State / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=12, blank=True)
    country = models.CharField(max_length=2, default="IN")

    status = models.CharField(max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
        verbose_name="Lead owner",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField()
    account_opened_at = models.DateTimeField(null=True, blank=True)
    account_activated_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    customer = models.OneToOneField(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_lead",
    )
    converted_at = models.DateTimeField(null=True, blank=True)
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mobile"], name="lead_unique_mobile"),
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="lead_unique_email"
            ),
            models.CheckConstraint(
                condition=Q(status__in=LeadStatus.values), name="lead_status_valid"
            ),
        ]
        indexes = [
            # Every sort the list offers has an index ending in the id tiebreak, in the sort's
            # own directions (tests/core/test_sort_indexes.py).
            models.Index(fields=["status", "-created_at", "-id"], name="lead_status_created_idx"),
            models.Index(fields=["search_name", "id"], name="lead_name_idx"),
            models.Index(fields=["source", "-created_at", "-id"], name="lead_source_created_idx"),
            models.Index(
                fields=["category", "-created_at", "-id"], name="lead_category_created_idx"
            ),
            models.Index(fields=["status", "account_opened_at"], name="lead_status_opened_idx"),
            models.Index(fields=["owner", "status"], name="lead_owner_status_idx"),
            models.Index(fields=["created_at", "id"], name="lead_created_idx"),
            models.Index(fields=["last_activity_at", "id"], name="lead_last_activity_idx"),
            models.Index(fields=["alt_mobile"], name="lead_alt_mobile_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def tone(self) -> str:
        return STATUS_TONES.get(self.status, "grey")

    @property
    def is_final(self) -> bool:
        return not TRANSITIONS[self.status]

    @property
    def is_convertible(self) -> bool:
        return self.customer_id is None and self.status in CONVERTIBLE

    def allowed_transitions(self) -> list[tuple[str, str]]:
        """(value, label) of the statuses a user may move this lead to, pipeline order."""
        targets = TRANSITIONS[self.status]
        return [(s.value, s.label) for s in LeadStatus if s in targets]


class LeadStatusChange(models.Model):
    """One step of a lead's history; ``from_status`` is blank for the creation."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=LeadStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=LeadStatus.choices)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["lead", "-created_at"], name="lead_status_change_idx")]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.from_status or '∅'} → {self.to_status}"

    @property
    def tone(self) -> str:
        return STATUS_TONES.get(self.to_status, "grey")


class SavedFilter(models.Model):
    """A user's named query string for a list page (``list_key`` "leads" for the lead list)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    list_key = models.CharField(max_length=32)
    name = models.CharField(max_length=60)
    query = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_key", "name"], name="saved_filter_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.list_key}: {self.name}"
