"""Models of the screening and risk module.

Invariants:

- A :class:`ScreeningList` is one published list (OFAC SDN, UN, an in-house PEP list ...).
  Each load that changes its content adds a :class:`ListVersion`; exactly one version per
  list is ``is_current`` (a partial unique constraint), and a version's entries never
  change after the load. Old versions are kept (with their entries) for the record.
- A :class:`ScreeningHit` is one (customer, list entry content) pair: unique on
  ``(customer, source, external_id, content_hash)``. A pair already decided is never raised
  again; a changed entry (new ``content_hash``) may raise a new hit. Its ``status`` changes
  only along :data:`HIT_TRANSITIONS`, by ``services.decide_hit``, with a reason.
- A :class:`RiskProfile` is written only by ``services.recompute_risk`` and
  ``services.override_risk``; ``Customer.risk_level`` / ``risk_score`` /
  ``next_reverification_on`` mirror its effective level, score and date.
- A :class:`ScreeningRun` re-screens customers in ``id`` order; ``cursor`` is the last
  customer id done, so a run stopped half-way resumes where it stopped.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from clientdesk.core.permissions import Access, has_access
from clientdesk.customers.models import Customer, RiskLevel

MODULE = "compliance"


class ListCategory(models.TextChoices):
    SANCTIONS = "sanctions", "Sanctions"
    PEP = "pep", "PEP"
    INTERNAL = "internal", "In-house watch list"


class ListFormat(models.TextChoices):
    OFAC = "ofac", "OFAC legacy CSV (sdn.csv, alt.csv, add.csv, sdn_comments.csv)"
    UN = "un", "UN consolidated XML"
    CSV = "csv", "Simple CSV (id, name, aliases, type, date_of_birth, nationality ...)"


class ScreeningList(models.Model):
    source = models.SlugField(max_length=40, unique=True, help_text="e.g. ofac_sdn, un, pep")
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=10, choices=ListCategory.choices)
    file_format = models.CharField(max_length=4, choices=ListFormat.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ListVersion(models.Model):
    screening_list = models.ForeignKey(
        ScreeningList, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(help_text="1, 2, 3 ... per list")
    is_current = models.BooleanField(default=False)
    digest = models.CharField(max_length=64, help_text="SHA-256 over the entries' hashes")
    published_at = models.DateTimeField(null=True, blank=True)
    loaded_at = models.DateTimeField()
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255, blank=True)
    entry_count = models.PositiveIntegerField(default=0)
    alias_count = models.PositiveIntegerField(default=0)
    counts_by_kind = models.JSONField(default=dict, blank=True)
    added_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)
    removed_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    orphans = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-loaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["screening_list", "number"], name="listversion_unique_number"
            ),
            models.UniqueConstraint(
                fields=["screening_list"],
                condition=Q(is_current=True),
                name="listversion_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.screening_list.name} v{self.number}"


class ListEntryRecord(models.Model):
    """One entry of one list version; ``data`` is ``records.ListEntry.to_dict()``."""

    version = models.ForeignKey(ListVersion, on_delete=models.CASCADE, related_name="entries")
    external_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=10)
    name = models.CharField(max_length=500)
    content_hash = models.CharField(max_length=64)
    data = models.JSONField()

    class Meta:
        ordering = ["version", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "external_id"], name="listentry_unique_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class HitStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


HIT_TRANSITIONS: dict[str, frozenset[str]] = {
    HitStatus.OPEN: frozenset({HitStatus.CONFIRMED, HitStatus.DISMISSED}),
    # A later correction is possible either way, always with a reason.
    HitStatus.CONFIRMED: frozenset({HitStatus.DISMISSED}),
    HitStatus.DISMISSED: frozenset({HitStatus.CONFIRMED}),
}
HIT_TONES: dict[str, str] = {
    HitStatus.OPEN: "amber",
    HitStatus.CONFIRMED: "red",
    HitStatus.DISMISSED: "grey",
}


class Trigger(models.TextChoices):
    REGISTRATION = "registration", "Registration"
    PROFILE_CHANGE = "profile_change", "Name or date of birth changed"
    LIST_CHANGE = "list_change", "List changed"
    MANUAL = "manual", "Requested by an officer"


class ScreeningHitQuerySet(models.QuerySet["ScreeningHit"]):
    def visible_to(self, user: Any) -> ScreeningHitQuerySet:
        """The only way pages and the API list hits: Compliance read, and only hits of
        customers the user may see (``Customer.objects.visible_to``)."""
        if not has_access(user, MODULE, Access.READ):
            return self.none()
        from clientdesk.customers.models import Customer

        return self.filter(customer__in=Customer.objects.visible_to(user).values("pk"))

    def for_list(self) -> ScreeningHitQuerySet:
        return self.select_related("customer", "screening_list", "decided_by")


class ScreeningHit(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="screening_hits")
    screening_list = models.ForeignKey(ScreeningList, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(
        ListEntryRecord, on_delete=models.PROTECT, related_name="hits", help_text="as matched"
    )
    external_id = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64)
    entry_name = models.CharField(max_length=500)
    matched_name = models.CharField(max_length=500)
    score = models.DecimalField(max_digits=4, decimal_places=1)
    name_score = models.DecimalField(max_digits=4, decimal_places=1)
    explanation = models.JSONField(help_text="matching.Match.to_dict()")
    screened_name = models.CharField(max_length=201, help_text="the customer's name as screened")
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=HitStatus.choices, default=HitStatus.OPEN)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True)

    objects = ScreeningHitQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "screening_list", "external_id", "content_hash"],
                name="hit_unique_pair",
            ),
            models.CheckConstraint(
                condition=Q(status__in=HitStatus.values), name="hit_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="hit_status_created_idx"),
            models.Index(fields=["status", "-score", "-id"], name="hit_status_score_idx"),
            models.Index(fields=["customer", "status"], name="hit_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} ~ {self.entry_name} ({self.score})"

    @property
    def tone(self) -> str:
        return HIT_TONES.get(self.status, "grey")

    def allowed_transitions(self) -> list[str]:
        return sorted(HIT_TRANSITIONS[self.status])


class ScreeningCheck(models.Model):
    """One screening of one customer outside a bulk run (registration, edit, manual)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="screening_checks"
    )
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    checked_at = models.DateTimeField()
    screened_name = models.CharField(max_length=201)
    versions = models.JSONField(default=list, help_text="labels of the list versions used")
    match_count = models.PositiveSmallIntegerField(default=0)
    new_hits = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["customer", "-checked_at"], name="check_customer_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} screened {self.checked_at:%Y-%m-%d %H:%M}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SUPERSEDED = "superseded", "Superseded"


class ScreeningRun(models.Model):
    trigger = models.CharField(max_length=16, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    note = models.CharField(max_length=200, blank=True)
    versions = models.JSONField(default=list, help_text="labels of the list versions used")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0, help_text="customers to screen")
    processed = models.PositiveIntegerField(default=0)
    cursor = models.BigIntegerField(default=0, help_text="last customer id screened")
    upto = models.BigIntegerField(default=0, help_text="highest customer id in this run")
    matched = models.PositiveIntegerField(default=0, help_text="customers with a match")
    new_hits = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.processed / self.total))


class RiskProfile(models.Model):
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="risk_profile")
    score = models.PositiveSmallIntegerField(default=0)
    computed_level = models.CharField(max_length=6, choices=RiskLevel.choices)
    factors = models.JSONField(default=list, help_text="[{name, label, points, explanation}]")
    computed_at = models.DateTimeField()
    computed_reason = models.CharField(max_length=500, blank=True)
    override_level = models.CharField(max_length=6, choices=RiskLevel.choices, blank=True)
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    overridden_at = models.DateTimeField(null=True, blank=True)
    next_reverification_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(computed_level__in=RiskLevel.values), name="risk_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(override_level="") | ~Q(override_reason=""),
                name="risk_override_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Risk of {self.customer_id}: {self.level}"

    @property
    def level(self) -> str:
        return self.override_level or self.computed_level

    @property
    def is_overridden(self) -> bool:
        return bool(self.override_level)
