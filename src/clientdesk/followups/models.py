"""Follow-up tasks on a customer, lead or ticket (or on nothing: a personal to-do).

Invariants:
- ``status`` changes only through ``services.change_status`` following ``TRANSITIONS``;
  ``completed_at`` is set when a task is done or canceled and cleared when it is reopened.
- ``subject_type`` + ``subject_id`` name the record the task is about ("customers.customer",
  "leads.lead", "tickets.ticket"), like activities; ``customer`` is that record's customer
  (the customer itself, a converted lead's or a ticket's), so the customer's profile lists
  every task about them. ``subject_label`` is the record's name when the task was created.
- ``remind_at`` = ``due_at`` − ``reminder_minutes_before``, kept by the services; the
  reminder job notifies the assignee once (``reminded_at``) when ``remind_at`` has passed.
  Changing the due time or the reminder clears ``reminded_at``.
- Write access: Tasks WRITE, and for roles that edit only their own records, being the
  assignee or the creator (``services.can_edit``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from clientdesk.core.permissions import Access, Module, has_access
from clientdesk.core.scopes import apply_scope


class Priority(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class TaskStatus(models.TextChoices):
    BACKLOG = "backlog", "Backlog"
    TODO = "todo", "Todo"
    IN_PROGRESS = "in_progress", "In Progress"
    DONE = "done", "Done"
    CANCELED = "canceled", "Canceled"


S = TaskStatus
OPEN_STATUSES = frozenset({S.BACKLOG, S.TODO, S.IN_PROGRESS})
CLOSED_STATUSES = frozenset({S.DONE, S.CANCELED})

# from -> allowed targets. Done and Canceled tasks may be reopened (to Todo).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.BACKLOG: frozenset({S.TODO, S.IN_PROGRESS, S.DONE, S.CANCELED}),
    S.TODO: frozenset({S.BACKLOG, S.IN_PROGRESS, S.DONE, S.CANCELED}),
    S.IN_PROGRESS: frozenset({S.BACKLOG, S.TODO, S.DONE, S.CANCELED}),
    S.DONE: frozenset({S.TODO}),
    S.CANCELED: frozenset({S.TODO}),
}

STATUS_TONES: dict[str, str] = {
    S.BACKLOG: "grey",
    S.TODO: "blue",
    S.IN_PROGRESS: "amber",
    S.DONE: "green",
    S.CANCELED: "grey",
}
PRIORITY_TONES: dict[str, str] = {
    Priority.LOW: "grey",
    Priority.MEDIUM: "blue",
    Priority.HIGH: "orange",
}


class TaskQuerySet(models.QuerySet["Task"]):
    def visible_to(self, user: Any) -> TaskQuerySet:
        """The only way pages and the API list tasks.

        The role's read scope for tasks decides: own (Sales and Support by default) the
        tasks assigned to or created by the user, team those of the user's team, all every
        task.
        """
        if not has_access(user, Module.TASKS, Access.READ):
            return self.none()
        return apply_scope(self, user, Module.TASKS, "assignee", "created_by")

    def open(self) -> TaskQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def for_list(self) -> TaskQuerySet:
        """Lists show the assignee; ``priority_rank`` sorts High above Medium above Low."""
        rank = models.Case(
            models.When(priority=Priority.HIGH, then=models.Value(3)),
            models.When(priority=Priority.MEDIUM, then=models.Value(2)),
            default=models.Value(1),
            output_field=models.IntegerField(),
        )
        return self.select_related("assignee").annotate(priority_rank=rank)


class Task(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    due_at = models.DateTimeField("Due", null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tasks",
        db_index=False,  # task_assignee_due_idx leads with it
    )
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.TODO)

    subject_type = models.CharField(max_length=64, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    subject_label = models.CharField(max_length=200, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
        db_index=False,  # task_customer_idx leads with it
    )

    reminder_minutes_before = models.PositiveIntegerField(default=30)
    remind_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TaskStatus.values), name="task_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="task_priority_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"], name="task_assignee_due_idx"),
            models.Index(fields=["status", "due_at", "id"], name="task_status_due_idx"),
            models.Index(fields=["customer", "status", "due_at"], name="task_customer_idx"),
            models.Index(fields=["subject_type", "subject_id"], name="task_subject_idx"),
            models.Index(
                fields=["remind_at"],
                condition=Q(
                    reminded_at__isnull=True, status__in=["backlog", "todo", "in_progress"]
                ),
                name="task_reminder_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def status_tone(self) -> str:
        return STATUS_TONES.get(self.status, "grey")

    @property
    def priority_tone(self) -> str:
        return PRIORITY_TONES.get(self.priority, "grey")

    def is_overdue(self, now: Any = None) -> bool:
        from django.utils import timezone

        return bool(self.is_open and self.due_at and self.due_at < (now or timezone.now()))

    def allowed_transitions(self) -> list[tuple[str, str]]:
        targets = TRANSITIONS[self.status]
        return [(s.value, s.label) for s in TaskStatus if s in targets]
