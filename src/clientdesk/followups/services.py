"""Writes of follow-up tasks, and the reminder job. Every write is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clientdesk.activities.models import Kind
from clientdesk.activities.services import log_activity
from clientdesk.core import audit
from clientdesk.core.permissions import Access, Module, edits_only_own, has_access, require
from clientdesk.notifications.services import notify

from .models import OPEN_STATUSES, TRANSITIONS, Priority, Task, TaskStatus

# What a task may be about, and the module a user needs to read it.
SUBJECT_TYPES: dict[str, str] = {
    "customers.customer": Module.CUSTOMERS,
    "leads.lead": Module.LEADS,
    "tickets.ticket": Module.TICKETS,
}
SUBJECT_NAMES = {"customers.customer": "Customer", "leads.lead": "Lead", "tickets.ticket": "Ticket"}
EDITABLE_FIELDS = (
    "title",
    "description",
    "due_at",
    "assignee",
    "priority",
    "reminder_minutes_before",
)
MAX_REMINDER_MINUTES = 7 * 24 * 60
REMINDER_BATCH = 500


# ----------------------------------------------------------------------------- rules


def can_edit(user: Any, task: Task) -> bool:
    """The row rule: Tasks WRITE, and for "own" roles being the assignee or the creator."""
    if not has_access(user, Module.TASKS, Access.WRITE):
        return False
    if not edits_only_own(user):
        return True
    return user.pk in (task.assignee_id, task.created_by_id)


def _require_edit(user: Any, task: Task) -> None:
    require(user, Module.TASKS, Access.WRITE)
    if not can_edit(user, task):
        raise PermissionDenied("You may change only tasks assigned to you or created by you.")


def _remind_at(due_at: dt.datetime | None, minutes: int) -> dt.datetime | None:
    return due_at - dt.timedelta(minutes=minutes) if due_at else None


# ----------------------------------------------------------------------------- subjects


def resolve_subject(user: Any, subject_type: str, subject_id: Any) -> Any:
    """The record a task is about, fetched through what ``user`` may see; None for none."""
    subject_type = (subject_type or "").strip().lower()
    subject_id = str(subject_id or "").strip()
    if not subject_type and not subject_id:
        return None
    if subject_type not in SUBJECT_TYPES:
        raise _subject_error("subject_type", "Choose a customer, lead or ticket.")
    if not subject_id.isdigit():
        raise _subject_error("subject_id", "Give the record's id.")
    if not has_access(user, SUBJECT_TYPES[subject_type]):
        raise PermissionDenied("Your role cannot see that record.")
    model = apps.get_model(subject_type)
    manager = model._default_manager
    queryset = manager.visible_to(user) if hasattr(manager, "visible_to") else manager.all()
    subject = queryset.filter(pk=int(subject_id)).first()
    if subject is None:
        raise _subject_error("subject_id", "No such record.")
    return subject


def _subject_error(field: str, message: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code="subject_invalid")})


def subject_customer(subject: Any) -> Any:
    """The customer a record belongs to: itself, a converted lead's, a ticket's."""
    if subject is None:
        return None
    if subject._meta.label_lower == "customers.customer":
        return subject
    return getattr(subject, "customer", None)


def subject_label(subject: Any) -> str:
    name = SUBJECT_NAMES.get(subject._meta.label_lower, "Record")
    return f"{name}: {subject}"[:200]


def subject_url(subject_type: str, subject_id: str) -> str:
    names = {
        "customers.customer": "customers:detail",
        "leads.lead": "leads:detail",
        "tickets.ticket": "tickets:detail",
    }
    if subject_type not in names or not subject_id:
        return ""
    return reverse(names[subject_type], args=[subject_id])


# ----------------------------------------------------------------------------- validation


def clean_task_data(data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Check typed values (forms and serializers parse); field-named errors."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        if name not in data:
            if not partial and name == "title":
                errors["title"] = ["Give the task a title."]
            continue
        value = data[name]
        message = _check(name, value)
        if message:
            errors[name] = [message]
        else:
            cleaned[name] = value.strip() if isinstance(value, str) else value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check(name: str, value: Any) -> str:
    if name == "title":
        text = (value or "").strip()
        return "" if text and len(text) <= 200 else "Give the task a title (up to 200 characters)."
    if name == "description":
        return "" if len(value or "") <= 10_000 else "Keep it under 10,000 characters."
    if name == "due_at":
        return "" if value is None or isinstance(value, dt.datetime) else "Enter a date and time."
    if name == "priority":
        return "" if value in Priority.values else "Choose Low, Medium or High."
    if name == "reminder_minutes_before":
        ok = isinstance(value, int) and 0 <= value <= MAX_REMINDER_MINUTES
        return "" if ok else "Enter between 0 and 10,080 minutes (a week)."
    if name == "assignee":
        ok = value is None or (isinstance(value, get_user_model()) and value.is_active)
        return "" if ok else "Choose an active user."
    return ""


# ----------------------------------------------------------------------------- writes


def create_task(*, actor: Any, data: Mapping[str, Any], subject: Any = None) -> Task:
    """Create a task (about ``subject`` when given); the assignee defaults to the actor."""
    require(actor, Module.TASKS, Access.WRITE)
    cleaned = clean_task_data(data)
    cleaned.setdefault("assignee", actor)
    task = Task(**cleaned, created_by=actor if getattr(actor, "pk", None) else None)
    if subject is not None:
        task.subject_type = subject._meta.label_lower
        task.subject_id = str(subject.pk)
        task.subject_label = subject_label(subject)
        task.customer = subject_customer(subject)
    task.remind_at = _remind_at(task.due_at, task.reminder_minutes_before)
    with transaction.atomic():
        task.save()
        audit.record(
            actor=actor,
            action="create",
            target=task,
            changes=audit.diff({}, _snapshot(task)),
        )
        if task.assignee_id and task.assignee_id != getattr(actor, "pk", None):
            _notify_assignment(task, actor)
    return task


def update_task(task: Task, *, actor: Any, data: Mapping[str, Any]) -> Task:
    """Change title, description, due time, assignee, priority or reminder."""
    _require_edit(actor, task)
    cleaned = clean_task_data(data, partial=True)
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        before = _snapshot(task)
        for name, value in cleaned.items():
            setattr(task, name, value)
        after = _snapshot(task)
        changes = audit.diff(before, after)
        if not changes:
            return task
        if {"due_at", "reminder_minutes_before"} & changes.keys():
            task.remind_at = _remind_at(task.due_at, task.reminder_minutes_before)
            task.reminded_at = None
        task.save()
        audit.record(actor=actor, action="update", target=task, changes=changes)
        if "assignee" in changes and task.assignee_id not in (None, getattr(actor, "pk", None)):
            _notify_assignment(task, actor)
    return task


def change_status(task: Task, *, actor: Any, to_status: str) -> Task:
    """Move a task along ``TRANSITIONS``; done/canceled set ``completed_at``."""
    _require_edit(actor, task)
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        old = task.status
        if to_status not in TRANSITIONS.get(old, frozenset()):
            allowed = ", ".join(TaskStatus(s).label for s in sorted(TRANSITIONS[old])) or "none"
            message = f"From {TaskStatus(old).label} a task can move to: {allowed}."
            raise ValidationError({"status": ValidationError(message, code="invalid_transition")})
        task.status = to_status
        task.completed_at = None if to_status in OPEN_STATUSES else timezone.now()
        task.save(update_fields=["status", "completed_at", "updated_at"])
        audit.record(
            actor=actor,
            action="status_change",
            target=task,
            changes={"status": {"old": old, "new": to_status}},
        )
        if to_status == TaskStatus.DONE:
            _log_done(task, actor)
    return task


def _log_done(task: Task, actor: Any) -> None:
    """A finished follow-up is activity with the customer: it goes on the timeline."""
    if not task.subject_type:
        return
    subject = apps.get_model(task.subject_type)._default_manager.filter(pk=task.subject_id).first()
    if subject is None:
        return
    log_activity(
        task.customer,
        actor=actor,
        kind=Kind.TASK,
        body=f"Task done: {task.title}",
        data={"task_id": task.pk},
        subject=subject,
    )


def _snapshot(task: Task) -> dict[str, Any]:
    return {
        "title": task.title,
        "description": task.description,
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "assignee": task.assignee_id,
        "priority": task.priority,
        "reminder_minutes_before": task.reminder_minutes_before,
        "status": task.status,
        "subject": f"{task.subject_type}:{task.subject_id}" if task.subject_type else None,
    }


def task_url(task: Task) -> str:
    return reverse("followups:detail", args=[task.pk])


def _notify_assignment(task: Task, actor: Any) -> None:
    """In the task's transaction: the notification exists exactly when the task does."""
    who = getattr(actor, "display_name", "") or "Someone"
    notify(
        task.assignee,
        kind="assignment",
        title=f"Task assigned to you: {task.title}",
        url=task_url(task),
        body=f"{who} assigned you this task.",
    )


# ----------------------------------------------------------------------------- reminders


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """Notify assignees of open tasks whose reminder time has passed; returns how many.

    Idempotent: a task is reminded once (``reminded_at``), and the notification key
    ``task:<id>:reminder`` keeps a rerun from notifying twice.
    """
    now = now or timezone.now()
    due = list(
        Task.objects.filter(
            status__in=OPEN_STATUSES,
            reminded_at__isnull=True,
            remind_at__lte=now,
            assignee__isnull=False,
        )
        .select_related("assignee")
        .order_by("remind_at", "id")[:REMINDER_BATCH]
    )
    for task in due:
        notify(
            task.assignee,
            kind="task_reminder",
            title=f"Due {_when(task.due_at, now)}: {task.title}",
            url=task_url(task),
            body=task.subject_label,
            key=f"task:{task.pk}:reminder",
        )
    Task.objects.filter(pk__in=[t.pk for t in due]).update(reminded_at=now)
    return len(due)


def _when(due_at: dt.datetime | None, now: dt.datetime) -> str:
    if due_at is None:
        return ""
    local = timezone.localtime(due_at)
    if local.date() == timezone.localtime(now).date():
        return f"today {local:%H:%M}"
    return f"{local:%d %b %H:%M}"
