"""Shared models: the audit trail and named counters.

Invariants of the audit trail:
- rows are only ever inserted (``save`` on an existing row and ``delete`` raise; database
  triggers refuse UPDATE and DELETE as well);
- ``seq`` runs 1, 2, 3 ... without gaps, assigned under a lock on ``AuditChainHead``;
- ``hash`` = SHA-256 over the previous record's hash and this record's canonical content,
  so changing, removing or reordering a record breaks every hash after it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    STATUS_CHANGE = "status_change", "Status changed"
    REVEAL = "reveal", "Revealed sensitive value"
    DELETE = "delete", "Deleted"
    LOGIN = "login", "Logged in"
    LOGOUT = "logout", "Logged out"
    LOGIN_FAILED = "login_failed", "Login failed"
    EXPORT = "export", "Exported"
    PERMISSION_CHANGE = "permission_change", "Permissions changed"
    KEY_ROTATION = "key_rotation", "Encryption keys rotated"
    ASSIGN = "assign", "Assigned"
    NOTE = "note", "Note added"
    REVERSE = "reverse", "Reversed"
    MONITORING_RUN = "monitoring_run", "Monitoring rules run"
    # Sign-in events (accounts: lockout, two-factor, sessions).
    LOCKOUT = "lockout", "Sign-in locked"
    UNLOCK = "unlock", "Sign-in unlocked"
    TWO_FACTOR_OK = "two_factor_ok", "Second factor verified"
    TWO_FACTOR_FAILED = "two_factor_failed", "Second factor failed"
    RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", "Second factor enrolled"
    RECOVERY_CODES_NEW = "recovery_codes_new", "Recovery codes regenerated"
    TWO_FACTOR_RESET = "two_factor_reset", "Second factor reset"
    SESSIONS_ENDED = "sessions_ended", "Signed out everywhere"
    IDENTIFIER_LOOKUP = "identifier_lookup", "Looked up by identifier"


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(unique=True)
    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=8)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-seq"], name="audit_object_idx"),
            models.Index(fields=["actor", "-seq"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("Audit events are append-only.")


class AuditChainHead(models.Model):
    """One row: the last sequence number and hash. Locked while a record is appended."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"


class ScheduleState(models.Model):
    """When each periodic task was last enqueued (see ``core.schedule``)."""

    name = models.CharField(max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_enqueued_at}"


class Counter(models.Model):
    """Named, gap-free counters (client IDs, ticket numbers ...)."""

    name = models.CharField(max_length=64, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
