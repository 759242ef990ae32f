"""Investigation cases and the regulatory reports they produce (STR, CTR).

Invariants:
- ``Case.number`` ("CASE-000042"), ``SuspiciousTransactionReport.number`` ("STR-000007") are
  assigned once from gap-free counters and never change.
- ``Case.status`` changes only through ``services`` following ``CASE_TRANSITIONS``; every
  change is a ``CaseEvent`` on the case's timeline and an audit record, in one transaction.
- A closed case has an ``outcome`` and a ``conclusion``; outcome "reported" names the STR it
  produced. Closing a high-severity case (priority high or critical) is four-eyes: the first
  officer's request is held in ``close_requested_*`` and a different officer confirms it.
- An STR moves Draft -> Approved -> Filed -> Amended (``STR_TRANSITIONS``); the approver is
  never the preparer; a filed STR carries the FIU's acknowledgement number.
- A CTR row is one customer's cash above the threshold in one calendar month of the firm's
  time zone (``settings.TIME_ZONE``); recomputing a month replaces only its unfiled rows.
- Reads go through ``<Model>.objects.visible_to(user)`` (module Cases).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from clientdesk.core.permissions import Access, Module, has_access
from clientdesk.customers.models import SENSITIVE_FIELDS

CUSTOMER_SECRETS = tuple(f"customer__{name}" for name in SENSITIVE_FIELDS)


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    INVESTIGATING = "investigating", "Investigating"
    ESCALATED = "escalated", "Escalated"
    CLOSED = "closed", "Closed"


# from -> allowed targets. Reopening (Closed -> Investigating) is its own service.
CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.INVESTIGATING, CaseStatus.CLOSED}),
    CaseStatus.INVESTIGATING: frozenset({CaseStatus.ESCALATED, CaseStatus.CLOSED}),
    CaseStatus.ESCALATED: frozenset({CaseStatus.INVESTIGATING, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}
OPEN_CASE_STATUSES = (CaseStatus.OPEN, CaseStatus.INVESTIGATING, CaseStatus.ESCALATED)
CASE_TONES = {"open": "blue", "investigating": "amber", "escalated": "orange", "closed": "grey"}


class CaseOutcome(models.TextChoices):
    NO_ACTION = "no_action", "No action"
    CUSTOMER_EXITED = "customer_exited", "Customer exited"
    REPORTED = "reported", "Reported (STR filed)"


class CasePriority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


PRIORITY_TONES = {"low": "grey", "medium": "blue", "high": "orange", "critical": "red"}
# Days to conclude a case, by priority (the SLA badge compares due_at with now).
DUE_DAYS = {"low": 30, "medium": 14, "high": 7, "critical": 3}
HIGH_SEVERITY = frozenset({CasePriority.HIGH, CasePriority.CRITICAL})


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Any) -> CaseQuerySet:
        """The only way pages and the API list cases (module Cases, Read)."""
        return self if has_access(user, Module.CASES, Access.READ) else self.none()

    def for_list(self) -> CaseQuerySet:
        return self.select_related("customer", "assigned_to").defer(*CUSTOMER_SECRETS)

    def open(self) -> CaseQuerySet:
        return self.filter(status__in=OPEN_CASE_STATUSES)


class Case(models.Model):
    number = models.CharField(max_length=20, unique=True, editable=False)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="cases"
    )
    linked_customers: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "customers.Customer", related_name="linked_cases", blank=True
    )
    title = models.CharField(max_length=200)
    priority = models.CharField(
        max_length=8, choices=CasePriority.choices, default=CasePriority.MEDIUM
    )
    status = models.CharField(max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    outcome = models.CharField(max_length=16, choices=CaseOutcome.choices, blank=True)
    conclusion = models.TextField(blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
    )
    due_at = models.DateTimeField()
    alerts: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "transactions.Alert", related_name="cases", blank=True
    )
    hits: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "screening.ScreeningHit", related_name="cases", blank=True
    )
    transactions: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "transactions.Transaction", related_name="cases", blank=True
    )
    report = models.ForeignKey(
        "SuspiciousTransactionReport",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The STR this case produced (outcome reported).",
    )
    close_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    close_requested_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CaseStatus.values), name="case_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(outcome=""), name="case_closed_has_outcome"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="case_status_idx"),
            models.Index(fields=["customer", "status"], name="case_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CASE_STATUSES

    @property
    def is_high_severity(self) -> bool:
        return self.priority in HIGH_SEVERITY

    @property
    def tone(self) -> str:
        return CASE_TONES.get(self.status, "grey")

    @property
    def priority_tone(self) -> str:
        return PRIORITY_TONES.get(self.priority, "grey")

    def allowed_transitions(self) -> list[str]:
        return sorted(CASE_TRANSITIONS[self.status])


class CaseEvent(models.Model):
    """The case's timeline: notes, status changes, assignments, links, decisions."""

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        STATUS = "status", "Status change"
        ASSIGNMENT = "assignment", "Assignment"
        LINK = "link", "Evidence linked"
        DECISION = "decision", "Decision"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NOTE)
    body = models.TextField(blank=True)
    from_status = models.CharField(max_length=16, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=CaseStatus.choices, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="case_event_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_kind_display()}"


# ----------------------------------------------------------------------------- STR


class StrStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    FILED = "filed", "Filed"
    AMENDED = "amended", "Amended"


STR_TRANSITIONS: dict[str, frozenset[str]] = {
    StrStatus.DRAFT: frozenset({StrStatus.APPROVED}),
    StrStatus.APPROVED: frozenset({StrStatus.FILED, StrStatus.DRAFT}),
    StrStatus.FILED: frozenset({StrStatus.AMENDED}),
    StrStatus.AMENDED: frozenset(),
}
STR_TONES = {"draft": "amber", "approved": "blue", "filed": "green", "amended": "grey"}


class ReportQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> Any:
        return self if has_access(user, Module.CASES, Access.READ) else self.none()


class SuspiciousTransactionReport(models.Model):
    """An STR prepared from a case; ``amends`` points at the filed report it replaces."""

    number = models.CharField(max_length=20, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(max_length=10, choices=StrStatus.choices, default=StrStatus.DRAFT)
    grounds = models.TextField("Grounds of suspicion")
    suspicion_concluded_on = models.DateField(
        help_text="The day the officer concluded the transactions are suspicious."
    )
    due_on = models.DateField(help_text="Seven working days after the conclusion (PMLA rules).")
    transactions: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "transactions.Transaction", related_name="+", blank=True
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField(null=True, blank=True)
    acknowledgement = models.CharField("Acknowledgement number", max_length=64, blank=True)
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "suspicious transaction report"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=StrStatus.values), name="str_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="filed") | ~Q(acknowledgement=""), name="str_filed_has_ack"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def tone(self) -> str:
        return STR_TONES.get(self.status, "grey")


# ----------------------------------------------------------------------------- CTR


class CtrStatus(models.TextChoices):
    COMPUTED = "computed", "Computed"
    REVIEWED = "reviewed", "Reviewed"
    FILED = "filed", "Filed"


CTR_TRANSITIONS: dict[str, frozenset[str]] = {
    CtrStatus.COMPUTED: frozenset({CtrStatus.REVIEWED}),
    CtrStatus.REVIEWED: frozenset({CtrStatus.FILED}),
    CtrStatus.FILED: frozenset(),
}
CTR_TONES = {"computed": "amber", "reviewed": "blue", "filed": "green"}


class CashTransactionReport(models.Model):
    """One customer's reportable cash in one month (first day of the month in ``month``)."""

    month = models.DateField()
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="cash_reports"
    )
    total = models.DecimalField(max_digits=20, decimal_places=2)
    count = models.PositiveIntegerField()
    single_above = models.BooleanField(
        default=False, help_text="At least one cash transaction alone exceeds the threshold."
    )
    transactions: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "transactions.Transaction", related_name="+", blank=True
    )
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=CtrStatus.choices, default=CtrStatus.COMPUTED)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filed_at = models.DateTimeField(null=True, blank=True)
    acknowledgement = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField()

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "-total", "id"]
        verbose_name = "cash transaction report"
        constraints = [
            models.UniqueConstraint(fields=["month", "customer"], name="ctr_month_customer"),
            models.CheckConstraint(
                condition=Q(status__in=CtrStatus.values), name="ctr_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"CTR {self.month:%Y-%m} {self.customer_id}"

    @property
    def tone(self) -> str:
        return CTR_TONES.get(self.status, "grey")

    @property
    def month_label(self) -> str:
        return dt.date.strftime(self.month, "%B %Y")
