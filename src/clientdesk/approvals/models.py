"""Maker-checker requests and their per-action policy; re-verification tracking.

Invariants:
- An ``ApprovalRequest`` holds the exact change (``payload``) and the before/after snapshot
  the checker sees; the change happens only when a checker other than the maker approves
  it, through the same service, in the transaction that marks it approved.
- Its status moves only along ``TRANSITIONS``; a decided request never changes again.
- ``ApprovalPolicy`` rows override the registry's defaults per action (absent row: defaults).
- ``Reverification`` is one row per customer and due date, so the daily job is idempotent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Withdrawn"


TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.PENDING: frozenset(
        {
            RequestStatus.APPROVED,
            RequestStatus.REJECTED,
            RequestStatus.EXPIRED,
            RequestStatus.CANCELLED,
        }
    ),
    RequestStatus.APPROVED: frozenset(),
    RequestStatus.REJECTED: frozenset(),
    RequestStatus.EXPIRED: frozenset(),
    RequestStatus.CANCELLED: frozenset(),
}


class ApprovalRequestQuerySet(models.QuerySet["ApprovalRequest"]):
    def visible_to(self, user: Any) -> ApprovalRequestQuerySet:
        from clientdesk.core.permissions import Module, has_access

        if has_access(user, Module.APPROVALS):
            return self
        return self.filter(maker_id=getattr(user, "pk", None))

    def pending(self) -> ApprovalRequestQuerySet:
        return self.filter(status=RequestStatus.PENDING, expires_at__gt=timezone.now())


class ApprovalRequest(models.Model):
    action_key = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    summary = models.CharField(max_length=300, blank=True)
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_requests"
    )
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approval_decisions",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    consumed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a granted one-time action (an export) was used."
    )

    objects = ApprovalRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        return f"Approval #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.PENDING and self.expires_at > timezone.now()

    def diff_rows(self) -> list[tuple[str, Any, Any, bool]]:
        """(field, before, after, changed) for every field of the snapshot."""
        names = list(dict.fromkeys([*self.before, *self.after]))
        return [
            (n, self.before.get(n), self.after.get(n), self.before.get(n) != self.after.get(n))
            for n in names
        ]


class ApprovalPolicy(models.Model):
    action_key = models.CharField(max_length=64, unique=True)
    enabled = models.BooleanField(default=True)
    approver_roles = models.JSONField(
        default=list, blank=True, help_text="Role slugs whose members may approve."
    )
    expiry_hours = models.PositiveIntegerField(default=72)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["action_key"]

    def __str__(self) -> str:
        return self.action_key


class ReverificationState(models.TextChoices):
    NOTIFIED = "notified", "Customer asked for documents"
    FLAGGED = "flagged", "Overdue, flagged"
    RESTRICTED = "restricted", "Overdue, restricted"
    DONE = "done", "Re-verified"


class Reverification(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="reverifications"
    )
    due_on = models.DateField()
    state = models.CharField(
        max_length=16, choices=ReverificationState.choices, default=ReverificationState.NOTIFIED
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    flagged_at = models.DateTimeField(null=True, blank=True)
    restricted_at = models.DateTimeField(null=True, blank=True)
    task = models.ForeignKey(
        "followups.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "due_on"], name="unique_reverification")
        ]

    def __str__(self) -> str:
        return f"Re-verification of {self.customer_id} due {self.due_on}"


class Restriction(models.Model):
    """A customer whose new transactions the intake refuses, with the reason it shows."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="restriction"
    )
    reason = models.CharField(max_length=300)
    since = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Restriction of {self.customer_id}"
