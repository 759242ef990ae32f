"""KYC documents, their automatic check results, the reviewers' decisions and the customer's
KYC status history.

Invariants:
- A ``Document``'s bytes live in the default storage under a random name (``file``),
  encrypted at rest with the row's own data key (``file_key``; ``core.stored_files``); the
  uploader's file name is only a label (``original_name``). Bytes are read only through
  ``services.open_document``, which writes an audit record; there is no public URL.
- ``sha256`` and ``size`` are those of the plaintext (duplicate detection across customers).
- ``review_status`` moves only along ``REVIEW_TRANSITIONS`` (pending -> approved / rejected /
  resubmission; decisions are final: a new upload replaces a refused document), through
  ``services.decide_document``, which enforces four eyes: neither the user who registered the
  customer nor the uploader may decide.
- ``check_outcome`` is ``pending`` until the background task stored the automatic checks
  (``DocumentCheck`` rows, replaced as a whole on every run).
- ``Customer.kyc_status`` moves only along ``KYC_TRANSITIONS`` through
  ``services._set_kyc_status``; every change leaves a ``KycStatusChange`` row, an audit
  record and a timeline entry.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from clientdesk.core.permissions import Access, has_access
from clientdesk.core.stored_files import EncryptedFileMixin
from clientdesk.customers.models import KycStatus


class DocumentKind(models.TextChoices):
    ID_PROOF = "id_proof", "ID proof"
    ADDRESS_PROOF = "address_proof", "Proof of address"
    INCOME_PROOF = "income_proof", "Income proof"
    OTHER = "other", "Other"


#: Kinds an approved KYC needs (and activation checks for).
REQUIRED_KINDS = (DocumentKind.ID_PROOF, DocumentKind.ADDRESS_PROOF)


class CheckOutcome(models.TextChoices):
    PENDING = "pending", "Checks running"
    PASSED = "passed", "Passed"
    NEEDS_REVIEW = "needs_review", "Needs review"
    FAILED = "failed", "Failed"


OUTCOME_TONES = {"pending": "grey", "passed": "green", "needs_review": "amber", "failed": "red"}
# Higher is riskier: orders the review queue.
OUTCOME_RISK = {"pending": 1, "passed": 0, "needs_review": 2, "failed": 3}


class CheckStatus(models.TextChoices):
    PASS = "pass", "Pass"
    WARNING = "warning", "Warning"
    FAIL = "fail", "Fail"
    NOT_RUN = "not_run", "Not run"  # a program is missing or the check is off: never a pass


CHECK_TONES = {"pass": "green", "warning": "amber", "fail": "red", "not_run": "grey"}


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Awaiting review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    RESUBMISSION = "resubmission", "Re-upload requested"


REVIEW_TONES = {"pending": "blue", "approved": "green", "rejected": "red", "resubmission": "amber"}

REVIEW_TRANSITIONS: dict[str, frozenset[str]] = {
    ReviewStatus.PENDING: frozenset(
        {ReviewStatus.APPROVED, ReviewStatus.REJECTED, ReviewStatus.RESUBMISSION}
    ),
    ReviewStatus.APPROVED: frozenset(),
    ReviewStatus.REJECTED: frozenset(),
    ReviewStatus.RESUBMISSION: frozenset(),
}


class Decision(models.TextChoices):
    """What a reviewer does with one document."""

    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"
    RESUBMIT = "resubmit", "Ask for re-upload"


DECISION_STATUS = {
    Decision.APPROVE: ReviewStatus.APPROVED,
    Decision.REJECT: ReviewStatus.REJECTED,
    Decision.RESUBMIT: ReviewStatus.RESUBMISSION,
}


class ReasonCode(models.TextChoices):
    BLURRY = "blurry", "Blurry or unreadable"
    EXPIRED = "expired", "Expired"
    MISMATCH = "mismatch", "Does not match the record"
    SUSPECTED_FORGERY = "suspected_forgery", "Suspected forgery"
    OTHER = "other", "Other"


# from -> allowed targets of the customer's KYC status (customers.models.KycStatus).
# Uploads move a customer into documents_pending / in_review; decisions out of it; a new
# upload after a refusal (or after an approval: re-verification) starts a new round.
KYC_TRANSITIONS: dict[str, frozenset[str]] = {
    KycStatus.NOT_STARTED: frozenset({KycStatus.DOCUMENTS_PENDING, KycStatus.IN_REVIEW}),
    KycStatus.DOCUMENTS_PENDING: frozenset(
        {KycStatus.IN_REVIEW, KycStatus.REJECTED, KycStatus.RESUBMISSION}
    ),
    KycStatus.IN_REVIEW: frozenset(
        {
            KycStatus.APPROVED,
            KycStatus.REJECTED,
            KycStatus.RESUBMISSION,
            KycStatus.DOCUMENTS_PENDING,
        }
    ),
    KycStatus.APPROVED: frozenset({KycStatus.IN_REVIEW, KycStatus.DOCUMENTS_PENDING}),
    KycStatus.REJECTED: frozenset(
        {KycStatus.DOCUMENTS_PENDING, KycStatus.IN_REVIEW, KycStatus.RESUBMISSION}
    ),
    KycStatus.RESUBMISSION: frozenset(
        {KycStatus.DOCUMENTS_PENDING, KycStatus.IN_REVIEW, KycStatus.REJECTED}
    ),
}


class DocumentQuerySet(models.QuerySet["Document"]):
    def visible_to(self, user: Any) -> DocumentQuerySet:
        """Documents need Documents (or Compliance) read access and a visible customer."""
        if not has_access(user, "customers", Access.READ):
            return self.none()
        if not (has_access(user, "documents") or has_access(user, "compliance")):
            return self.none()
        from clientdesk.customers.models import Customer

        return self.filter(customer__in=Customer.objects.visible_to(user).values("pk"))

    def for_list(self) -> DocumentQuerySet:
        return self.select_related("uploaded_by", "reviewed_by").prefetch_related("checks")


class Document(EncryptedFileMixin, models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="kyc_documents"
    )
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    file = models.CharField(max_length=255, editable=False, help_text="Storage name (random).")
    original_name = models.CharField(max_length=160, help_text="Uploader's file name: a label.")
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    pages = models.PositiveSmallIntegerField(default=1)
    # Look-alike copies (kyc.perceptual): the first page's 64-bit perceptual hash, split in
    # four indexed 16-bit bands for the candidate lookup, and the 4 x 4 grid of cell hashes.
    phash = models.BigIntegerField(null=True, blank=True, editable=False)
    phash_b0 = models.PositiveIntegerField(null=True, blank=True, editable=False, db_index=True)
    phash_b1 = models.PositiveIntegerField(null=True, blank=True, editable=False, db_index=True)
    phash_b2 = models.PositiveIntegerField(null=True, blank=True, editable=False, db_index=True)
    phash_b3 = models.PositiveIntegerField(null=True, blank=True, editable=False, db_index=True)
    phash_tiles = models.CharField(max_length=256, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    check_outcome = models.CharField(
        max_length=16, choices=CheckOutcome.choices, default=CheckOutcome.PENDING
    )
    checks_completed_at = models.DateTimeField(null=True, blank=True)

    review_status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reason_code = models.CharField(max_length=20, choices=ReasonCode.choices, blank=True)
    review_comment = models.TextField(blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_status__in=ReviewStatus.values), name="kyc_document_review_valid"
            ),
            models.CheckConstraint(
                condition=Q(check_outcome__in=CheckOutcome.values),
                name="kyc_document_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values), name="kyc_document_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-uploaded_at"], name="kyc_doc_customer_idx"),
            models.Index(fields=["review_status", "uploaded_at"], name="kyc_doc_review_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} “{self.original_name}”"

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def outcome_tone(self) -> str:
        return OUTCOME_TONES.get(self.check_outcome, "grey")

    @property
    def review_tone(self) -> str:
        return REVIEW_TONES.get(self.review_status, "grey")


class DocumentCheck(models.Model):
    """One automatic check's verdict on a document (``clientdesk.kyc.results.CheckResult``)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="checks")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=40)
    status = models.CharField(max_length=8, choices=CheckStatus.choices)
    detail = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="kyc_check_position")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.status}"

    @property
    def tone(self) -> str:
        return CHECK_TONES.get(self.status, "grey")

    @property
    def label(self) -> str:
        return CHECK_LABELS.get(self.code, self.code.replace("_", " ").capitalize())


CHECK_LABELS = {
    "stored_file": "Stored file intact",
    "file_size": "File size",
    "file_type": "File type",
    "image_decode": "Integrity",
    "pdf_parse": "Integrity",
    "pdf_encryption": "Encryption",
    "resolution": "Resolution",
    "sharpness": "Sharpness",
    "page_count": "Page count",
    "metadata_editing": "Signs of editing",
    "duplicate": "Duplicate",
    "id_pan": "PAN on record",
    "id_aadhaar": "Aadhaar on record",
    "id_passport": "Passport number on record",
    "id_voter_id": "Voter ID on record",
    "id_driving_licence": "Driving licence on record",
    "id_national_id": "National ID on record",
    "ocr": "Text recognition",
    "ocr_name": "Name on document",
    "ocr_birth_date": "Date of birth on document",
    "ocr_id_number": "ID number on document",
    "mrz_found": "MRZ",
    "mrz_check_digits": "MRZ check digits",
    "mrz_name": "MRZ name",
    "mrz_birth_date": "MRZ date of birth",
    "mrz_document_number": "MRZ document number",
    "document_expiry": "Expiry",
    "document_date": "Document date",
    "address_match": "Address on document",
    "near_duplicate": "Look-alike copy",
}


class KycStatusChange(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="kyc_status_changes"
    )
    from_status = models.CharField(max_length=20, choices=KycStatus.choices)
    to_status = models.CharField(max_length=20, choices=KycStatus.choices)
    reason = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="kyc_change_cust_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_status} → {self.to_status}"
