"""The customer registry.

Invariants:
- ``client_id`` is assigned once at creation (configurable prefix + gap-free counter) and
  never changes.
- PAN, Aadhaar, ID number, bank account number and date of birth are stored only as Fernet
  tokens; ``*_hash`` holds a keyed hash of the normalized value for exact search and
  uniqueness. Nothing else in the row reveals them.
- ``status`` changes only through ``services.change_status`` following ``TRANSITIONS``; every
  change leaves a ``StatusChange`` row and an audit record.
- ``search_name`` is the lower-cased "first last" name, kept by the services for search and
  sorting.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from clientdesk.core.crypto import EncryptedDateField, EncryptedTextField
from clientdesk.core.permissions import Access, has_access
from clientdesk.core.scopes import apply_scope

SENSITIVE_FIELDS = ("date_of_birth", "pan", "aadhaar", "id_number", "bank_account_number")
HASHED_FIELDS = ("pan", "aadhaar", "id_number")


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    BLOCKED = "blocked", "Blocked"
    CLOSED = "closed", "Closed"


# Badge colour of each status (pages, search results).
STATUS_TONES = {"pending": "amber", "active": "green", "suspended": "orange",
                "blocked": "red", "closed": "grey"}  # fmt: skip

# from -> allowed targets. Closed is final. Blocked -> Active needs a privileged role
# (see services.change_status).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PENDING: frozenset({Status.ACTIVE, Status.BLOCKED, Status.CLOSED}),
    Status.ACTIVE: frozenset({Status.SUSPENDED, Status.BLOCKED, Status.CLOSED}),
    Status.SUSPENDED: frozenset({Status.ACTIVE, Status.BLOCKED, Status.CLOSED}),
    Status.BLOCKED: frozenset({Status.ACTIVE, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}
PRIVILEGED_TRANSITIONS = {(Status.BLOCKED, Status.ACTIVE)}


class Gender(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other"


class MaritalStatus(models.TextChoices):
    SINGLE = "single", "Single"
    MARRIED = "married", "Married"
    DIVORCED = "divorced", "Divorced"
    WIDOWED = "widowed", "Widowed"
    SEPARATED = "separated", "Separated"
    OTHER = "other", "Other"


class IdType(models.TextChoices):
    PASSPORT = "passport", "Passport"
    DRIVING_LICENCE = "driving_licence", "Driving licence"
    NATIONAL_ID = "national_id", "National ID"
    VOTER_ID = "voter_id", "Voter ID"
    PAN = "pan", "PAN"
    AADHAAR = "aadhaar", "Aadhaar"


class IncomeBand(models.TextChoices):
    BELOW_1L = "below_1l", "Below ₹1 lakh"
    L1_5 = "1l_5l", "₹1–5 lakh"
    L5_10 = "5l_10l", "₹5–10 lakh"
    L10_25 = "10l_25l", "₹10–25 lakh"
    L25_1CR = "25l_1cr", "₹25 lakh–1 crore"
    ABOVE_1CR = "above_1cr", "Above ₹1 crore"


class SourceOfFunds(models.TextChoices):
    SALARY = "salary", "Salary"
    BUSINESS = "business", "Business income"
    INVESTMENTS = "investments", "Investments"
    INHERITANCE = "inheritance", "Inheritance"
    PENSION = "pension", "Pension"
    OTHER = "other", "Other"


class KycStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    DOCUMENTS_PENDING = "documents_pending", "Documents pending"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RESUBMISSION = "resubmission", "Re-submission requested"


KYC_TONES: dict[str, str] = {
    KycStatus.NOT_STARTED: "grey",
    KycStatus.DOCUMENTS_PENDING: "amber",
    KycStatus.IN_REVIEW: "blue",
    KycStatus.APPROVED: "green",
    KycStatus.REJECTED: "red",
    KycStatus.RESUBMISSION: "amber",
}


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class CustomerQuerySet(models.QuerySet["Customer"]):
    def visible_to(self, user: Any) -> CustomerQuerySet:
        """The only way pages and the API list customers: Customers access and the role's
        read scope (own: assigned to the user; every default role reads all)."""
        if not has_access(user, "customers", Access.READ):
            return self.none()
        return apply_scope(self, user, "customers", "assigned_to")

    def for_list(self) -> CustomerQuerySet:
        return self.select_related("assigned_to")


class Customer(models.Model):
    client_id = models.CharField("Client ID", max_length=20, unique=True, editable=False)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100, blank=True)
    search_name = models.CharField(max_length=201, editable=False, db_index=True)
    date_of_birth = EncryptedDateField(null=True, blank=True)
    gender = models.CharField(max_length=8, choices=Gender.choices, blank=True)
    marital_status = models.CharField(max_length=12, choices=MaritalStatus.choices, blank=True)

    mobile = models.CharField(max_length=20, help_text="E.164, e.g. +919876543210")
    alt_mobile = models.CharField("Alternative mobile", max_length=20, blank=True)
    email = models.CharField(max_length=254, blank=True)

    address_line = models.CharField("Street address", max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField("State / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=12, blank=True)
    country = models.CharField(max_length=2, default="IN")
    # Nullable so that adding it does not rebuild the table on SQLite (its triggers would go);
    # empty or NULL: not recorded, and screening then takes the country of residence.
    nationality = models.CharField(
        max_length=2,
        blank=True,
        null=True,
        help_text="ISO 3166 code of citizenship; used in sanctions screening.",
    )

    id_type = models.CharField("ID type", max_length=20, choices=IdType.choices, blank=True)
    id_number = EncryptedTextField("ID number", blank=True, default="")
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    pan = EncryptedTextField("PAN", blank=True, default="")
    pan_hash = models.CharField(max_length=64, blank=True, editable=False)
    aadhaar = EncryptedTextField("Aadhaar", blank=True, default="")
    aadhaar_hash = models.CharField(max_length=64, blank=True, editable=False)

    bank_account_number = EncryptedTextField("Bank account number", blank=True, default="")
    bank_ifsc = models.CharField("IFSC / routing code", max_length=11, blank=True)
    bank_name = models.CharField(max_length=100, blank=True)

    income_band = models.CharField(max_length=12, choices=IncomeBand.choices, blank=True)
    occupation = models.CharField(max_length=100, blank=True)
    source_of_funds = models.CharField(max_length=12, choices=SourceOfFunds.choices, blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_customers",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    created_at = models.DateTimeField(help_text="For a converted lead: when the lead was created.")
    account_opened_at = models.DateTimeField(null=True, blank=True)
    account_activated_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    # Kept by the KYC, risk and transactions modules through their services (denormalised so
    # the customer list filters and sorts on them without a join; see docs/architecture.md).
    kyc_status = models.CharField(
        "KYC status",
        max_length=20,
        choices=KycStatus.choices,
        default=KycStatus.NOT_STARTED,
        db_default=KycStatus.NOT_STARTED,
    )
    risk_level = models.CharField(
        max_length=6, choices=RiskLevel.choices, blank=True, default="", db_default=""
    )
    risk_score = models.PositiveSmallIntegerField(null=True, blank=True)
    next_reverification_on = models.DateField("Next re-verification", null=True, blank=True)
    # Transaction volume, count and last transaction time live in the narrow table
    # ``transactions.CustomerTotals`` (``customer.transaction_totals``): the intake updates
    # them in every batch, and an update here would rewrite this wide row and all of its
    # indexes (docs/decisions.md).

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["search_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["mobile"], name="customer_unique_mobile"),
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="customer_unique_email"
            ),
            models.UniqueConstraint(
                fields=["pan_hash"], condition=~Q(pan_hash=""), name="customer_unique_pan"
            ),
            models.UniqueConstraint(
                fields=["aadhaar_hash"],
                condition=~Q(aadhaar_hash=""),
                name="customer_unique_aadhaar",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="customer_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "search_name", "id"], name="cust_status_name_idx"),
            models.Index(fields=["status", "created_at", "id"], name="cust_status_created_idx"),
            models.Index(fields=["last_activity_at", "id"], name="cust_last_activity_idx"),
            models.Index(
                fields=["status", "last_activity_at", "id"], name="cust_status_activity_idx"
            ),
            models.Index(fields=["created_at", "id"], name="cust_created_idx"),
            # Every sort the list offers has an index ending in the id tiebreak, so page 1,000
            # is an index walk, not a sort of the table (tests/core/test_sort_indexes.py).
            models.Index(fields=["search_name", "id"], name="cust_name_idx"),
            models.Index(fields=["city", "search_name", "id"], name="cust_city_name_idx"),
            models.Index(fields=["state", "search_name", "id"], name="cust_state_name_idx"),
            models.Index(fields=["alt_mobile"], name="cust_alt_mobile_idx"),
            models.Index(fields=["email"], name="cust_email_idx"),
            models.Index(fields=["kyc_status", "search_name", "id"], name="cust_kyc_name_idx"),
            models.Index(fields=["risk_level", "search_name", "id"], name="cust_risk_name_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.client_id})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def postal_address(self) -> str:
        """One line, e.g. "12 MG Road, Pune 411001", from the parts filled in ("" if none)."""
        town = " ".join(p for p in (self.city, self.postal_code) if p)
        return ", ".join(p for p in (self.address_line, town) if p)

    @property
    def city_state(self) -> str:
        """City and state, e.g. "Pune, Maharashtra", from the parts filled in ("" if none)."""
        return ", ".join(p for p in (self.city, self.state) if p)

    @property
    def kyc_tone(self) -> str:
        return KYC_TONES.get(self.kyc_status, "grey")

    @property
    def status_tone(self) -> str:
        return STATUS_TONES.get(self.status, "grey")

    @property
    def is_final(self) -> bool:
        return not TRANSITIONS[self.status]

    def allowed_transitions(self) -> list[str]:
        return sorted(TRANSITIONS[self.status])


class StatusChange(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=Status.choices)
    to_status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="status_change_cust_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_status} → {self.to_status}"
