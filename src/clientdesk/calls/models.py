"""Call logs: every phone call between staff and a (prospective) customer.

Invariants:
- Numbers are E.164. ``party_number`` is the customer's side of the call (``to_number`` of an
  outgoing call, ``from_number`` of an incoming one); linking and the cold-call flag use it.
- ``customer`` / ``lead`` are set by the services from ``party_number``: a customer's mobile
  or alternative mobile first, then a lead's (a converted lead links its customer too).
- ``is_cold_call``: an outgoing call with no earlier outgoing call to the same number. The
  services keep it true for exactly the earliest outgoing call of a number, also when calls
  arrive out of order from a phone.
- A call synced from a device carries ``device_call_id``; (``device_id``, ``device_call_id``)
  is unique, so sending the same call twice stores it once (idempotent intake).
- Calls are written only by ``services`` (each also becomes a "call" activity on the
  timeline of its customer or lead); reads go through ``CallLog.objects.visible_to(user)``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from clientdesk.core.permissions import Access, Module, has_access
from clientdesk.core.scopes import apply_scope


class Direction(models.TextChoices):
    INCOMING = "incoming", "Incoming"
    OUTGOING = "outgoing", "Outgoing"


class CallStatus(models.TextChoices):
    INITIATED = "initiated", "Initiated"
    RINGING = "ringing", "Ringing"
    IN_PROGRESS = "in_progress", "In Progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    BUSY = "busy", "Busy"
    NO_ANSWER = "no_answer", "No Answer"
    QUEUED = "queued", "Queued"
    CANCELED = "canceled", "Canceled"
    DID_NOT_PICK = "did_not_pick", "Did Not Pick"
    MISSED_CALL = "missed_call", "Missed Call"


STATUS_TONES: dict[str, str] = {
    CallStatus.INITIATED: "blue",
    CallStatus.RINGING: "blue",
    CallStatus.IN_PROGRESS: "blue",
    CallStatus.QUEUED: "grey",
    CallStatus.COMPLETED: "green",
    CallStatus.FAILED: "red",
    CallStatus.BUSY: "amber",
    CallStatus.NO_ANSWER: "amber",
    CallStatus.DID_NOT_PICK: "amber",
    CallStatus.MISSED_CALL: "orange",
    CallStatus.CANCELED: "grey",
}


class CallSource(models.TextChoices):
    MANUAL = "manual", "Logged by hand"
    API = "api", "API"
    DEVICE = "device", "Synced from a device"


class CallLogQuerySet(models.QuerySet["CallLog"]):
    def visible_to(self, user: Any) -> CallLogQuerySet:
        """The only way pages and the API list calls.

        The role's read scope for calls decides: own (Sales and Support by default) the
        calls the user made or took, team those of the user's team, all every call.
        """
        if not has_access(user, Module.CALLS, Access.READ):
            return self.none()
        return apply_scope(self, user, Module.CALLS, "staff")

    def for_list(self) -> CallLogQuerySet:
        return self.select_related("staff", "customer", "lead")


class CallLog(models.Model):
    direction = models.CharField(max_length=8, choices=Direction.choices)
    from_number = models.CharField(max_length=20, help_text="E.164")
    to_number = models.CharField(max_length=20, help_text="E.164")
    party_number = models.CharField(
        max_length=20, editable=False, help_text="The customer's side of the call (E.164)."
    )
    started_at = models.DateTimeField()
    duration_seconds = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=CallStatus.choices)
    notes = models.TextField(blank=True)
    recording_url = models.URLField(max_length=500, blank=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="call_logs",
        verbose_name="Staff member",
        db_index=False,  # call_staff_started_idx leads with it
    )
    is_cold_call = models.BooleanField("Cold call", default=False)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="call_logs",
        db_index=False,  # call_customer_started_idx leads with it
    )
    lead = models.ForeignKey(
        "leads.Lead",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="call_logs",
        db_index=False,  # call_lead_started_idx leads with it
    )
    source = models.CharField(max_length=8, choices=CallSource.choices, default=CallSource.MANUAL)
    device_id = models.CharField(
        max_length=64, blank=True, help_text="The phone or dialer that synced the call."
    )
    device_call_id = models.CharField(
        max_length=64, blank=True, help_text="The device's id of the call (idempotency key)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # never searched by; one index less to write per synced call
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CallLogQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device_id", "device_call_id"],
                condition=~Q(device_call_id=""),
                name="call_unique_device_call",
            ),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="call_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CallStatus.values), name="call_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["-started_at", "-id"], name="call_started_idx"),
            models.Index(fields=["staff", "-started_at", "-id"], name="call_staff_started_idx"),
            models.Index(
                fields=["customer", "-started_at", "-id"], name="call_customer_started_idx"
            ),
            models.Index(fields=["lead", "-started_at", "-id"], name="call_lead_started_idx"),
            models.Index(fields=["party_number", "direction", "started_at"], name="call_party_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} call {self.party_number} at {self.started_at}"

    @property
    def tone(self) -> str:
        return STATUS_TONES.get(self.status, "grey")

    @property
    def duration_display(self) -> str:
        minutes, seconds = divmod(self.duration_seconds or 0, 60)
        hours, minutes = divmod(minutes, 60)
        if hours:
            return f"{hours}:{minutes:02d}:{seconds:02d}"
        return f"{minutes}:{seconds:02d}"
