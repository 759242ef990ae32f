"""Task services: subjects, validation, the transition table, the row rule, reminders."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tasks import TaskResultStatus

from clientdesk.activities.models import Activity, Kind
from clientdesk.core import schedule
from clientdesk.core.models import AuditEvent
from clientdesk.followups import selectors, services
from clientdesk.followups.models import Task, TaskStatus
from clientdesk.followups.tasks import send_task_reminders
from clientdesk.leads.models import Lead
from clientdesk.notifications.models import Notification

pytestmark = pytest.mark.django_db


def frozen(at: dt.datetime) -> mock._patch:
    """A frozen clock for everything that asks django.utils.timezone for the time."""
    return mock.patch("django.utils.timezone.now", return_value=at)


# ----------------------------------------------------------------------------- create


def test_a_task_about_a_customer(make_task, sales_user, customer):
    task = make_task(sales_user, subject=customer, priority="high")
    assert task.customer == customer and task.assignee == sales_user
    assert (task.subject_type, task.subject_id) == ("customers.customer", str(customer.pk))
    assert task.subject_label == f"Customer: {customer}"
    assert task.status == TaskStatus.TODO and task.reminder_minutes_before == 30
    assert task.remind_at == task.due_at - dt.timedelta(minutes=30)
    event = AuditEvent.objects.get(object_type="followups.task", object_id=str(task.pk))
    assert event.action == "create" and event.changes["title"]["new"] == task.title


def test_a_task_about_a_converted_lead_belongs_to_its_customer(make_task, manager, customer):
    lead = Lead.objects.create(
        first_name="Ravi",
        search_name="ravi",
        mobile="+919000000020",
        source="website",
        created_at=timezone.now(),
        customer=customer,
    )
    subject = services.resolve_subject(manager, "leads.lead", str(lead.pk))
    task = make_task(manager, subject=subject)
    assert task.customer == customer and task.subject_label == "Lead: Ravi"


def test_subjects_are_checked(manager, support_user, customer):
    assert services.resolve_subject(manager, "", "") is None
    with pytest.raises(ValidationError) as bad_type:
        services.resolve_subject(manager, "accounts.user", "1")
    assert "subject_type" in bad_type.value.message_dict
    with pytest.raises(ValidationError) as missing:
        services.resolve_subject(manager, "customers.customer", "999999")
    assert "subject_id" in missing.value.message_dict
    with pytest.raises(ValidationError):
        services.resolve_subject(manager, "customers.customer", "abc")


def test_subject_needs_read_access_to_its_module(user_factory, roles, customer):
    from clientdesk.accounts.models import RoleModuleAccess

    RoleModuleAccess.objects.filter(role=roles["support"], module="customers").update(level=0)
    blind = user_factory("support", username="blind")
    with pytest.raises(PermissionDenied):
        services.resolve_subject(blind, "customers.customer", str(customer.pk))


def test_task_data_is_validated_with_field_names(sales_user, user_factory):
    inactive = user_factory("sales", username="gone", is_active=False)
    with pytest.raises(ValidationError) as error:
        services.create_task(
            actor=sales_user,
            data={
                "title": "  ",
                "priority": "urgent",
                "reminder_minutes_before": -5,
                "assignee": inactive,
                "due_at": "tomorrow",
            },
        )
    assert set(error.value.message_dict) == {
        "title",
        "priority",
        "reminder_minutes_before",
        "assignee",
        "due_at",
    }
    assert not Task.objects.exists()


def test_assigning_someone_else_notifies_them(make_task, manager, sales_user):
    with_capture = make_task(manager, assignee=sales_user)
    note = Notification.objects.get(recipient=sales_user)
    assert note.kind == "assignment" and with_capture.title in note.title
    make_task(sales_user)  # to oneself: no notification
    assert Notification.objects.count() == 1


# ----------------------------------------------------------------------------- status


def test_status_follows_the_transition_table(make_task, sales_user, customer):
    task = make_task(sales_user, subject=customer)
    task = services.change_status(task, actor=sales_user, to_status=TaskStatus.IN_PROGRESS)
    task = services.change_status(task, actor=sales_user, to_status=TaskStatus.DONE)
    assert task.completed_at is not None
    with pytest.raises(ValidationError) as error:
        services.change_status(task, actor=sales_user, to_status=TaskStatus.IN_PROGRESS)
    assert error.value.error_dict["status"][0].code == "invalid_transition"
    task = services.change_status(task, actor=sales_user, to_status=TaskStatus.TODO)
    assert task.completed_at is None and task.is_open
    with pytest.raises(ValidationError):
        services.change_status(task, actor=sales_user, to_status="finished")
    statuses = AuditEvent.objects.filter(action="status_change", object_type="followups.task")
    assert [e.changes["status"]["new"] for e in statuses.order_by("seq")] == [
        "in_progress",
        "done",
        "todo",
    ]


def test_a_done_task_goes_on_the_customers_timeline(make_task, sales_user, customer):
    task = make_task(sales_user, subject=customer, title="Collect address proof")
    services.change_status(task, actor=sales_user, to_status=TaskStatus.DONE)
    activity = Activity.objects.get(kind=Kind.TASK)
    assert activity.customer == customer and activity.body == "Task done: Collect address proof"
    personal = make_task(sales_user)
    services.change_status(personal, actor=sales_user, to_status=TaskStatus.CANCELED)
    assert Activity.objects.filter(kind=Kind.TASK).count() == 1


# ----------------------------------------------------------------------------- row rule


def test_own_scope_users_change_only_their_tasks(make_task, sales_user, sales_user2, manager):
    theirs = make_task(manager, assignee=sales_user2)
    mine = make_task(manager, assignee=sales_user)
    created = make_task(sales_user, assignee=sales_user2)
    assert not services.can_edit(sales_user, theirs)
    assert services.can_edit(sales_user, mine) and services.can_edit(sales_user, created)
    assert services.can_edit(manager, theirs)
    with pytest.raises(PermissionDenied):
        services.change_status(theirs, actor=sales_user, to_status=TaskStatus.DONE)
    with pytest.raises(PermissionDenied):
        services.update_task(theirs, actor=sales_user, data={"title": "Mine now"})
    services.update_task(created, actor=sales_user, data={"priority": "high"})
    visible = set(Task.objects.visible_to(sales_user).values_list("pk", flat=True))
    assert visible == {mine.pk, created.pk}
    assert Task.objects.visible_to(manager).count() == 3


def test_update_recomputes_the_reminder(make_task, sales_user, sales_user2):
    task = make_task(sales_user)
    Task.objects.filter(pk=task.pk).update(reminded_at=timezone.now())
    new_due = timezone.now() + dt.timedelta(days=1)
    task = services.update_task(
        task, actor=sales_user, data={"due_at": new_due, "reminder_minutes_before": 60}
    )
    assert task.reminded_at is None and task.remind_at == new_due - dt.timedelta(minutes=60)
    event = AuditEvent.objects.filter(action="update", object_type="followups.task").get()
    assert set(event.changes) == {"due_at", "reminder_minutes_before"}
    unchanged = services.update_task(task, actor=sales_user, data={"title": task.title})
    assert unchanged.pk == task.pk
    assert AuditEvent.objects.filter(action="update", object_type="followups.task").count() == 1
    services.update_task(task, actor=sales_user, data={"assignee": sales_user2})
    assert Notification.objects.filter(recipient=sales_user2, kind="assignment").exists()


# ----------------------------------------------------------------------------- reminders


def test_reminder_job_with_a_frozen_clock(make_task, sales_user):
    start = timezone.now().replace(microsecond=0)
    with frozen(start):
        task = make_task(sales_user, due_in=dt.timedelta(hours=1), reminder_minutes_before=30)
        make_task(sales_user, due_in=None, title="No date")
        done = make_task(sales_user, due_in=dt.timedelta(minutes=10))
        services.change_status(done, actor=sales_user, to_status=TaskStatus.DONE)
    with frozen(start + dt.timedelta(minutes=29)):
        assert services.send_due_reminders() == 0
    with frozen(start + dt.timedelta(minutes=30)):
        assert services.send_due_reminders() == 1
        assert services.send_due_reminders() == 0  # idempotent
    note = Notification.objects.get(kind="task_reminder")
    assert note.recipient == sales_user and note.key == f"task:{task.pk}:reminder"
    assert note.title.startswith("Due ") and task.title in note.title
    assert note.url == f"/tasks/{task.pk}/"
    task.refresh_from_db()
    assert task.reminded_at == start + dt.timedelta(minutes=30)


def test_rerun_after_a_lost_update_does_not_notify_twice(make_task, sales_user):
    task = make_task(sales_user, due_in=dt.timedelta(minutes=5))
    assert services.send_due_reminders() == 1
    Task.objects.filter(pk=task.pk).update(reminded_at=None)  # as if the flag was lost
    services.send_due_reminders()
    assert Notification.objects.filter(kind="task_reminder").count() == 1


def test_reminder_task_is_scheduled_every_minute(make_task, sales_user):
    periodic = {p.name: p for p in schedule.registered()}["followups.task_reminders"]
    assert periodic.every == dt.timedelta(minutes=1)
    make_task(sales_user, due_in=dt.timedelta(minutes=1))
    result = send_task_reminders.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL and result.return_value == {"sent": 1}
    with frozen(timezone.now() + dt.timedelta(hours=1)):
        assert "followups.task_reminders" in schedule.run_due()


# ----------------------------------------------------------------------------- selectors


def test_due_count_and_groups(make_task, sales_user, sales_user2):
    now = timezone.localtime()
    with frozen(now.replace(hour=10, minute=0)):
        overdue = make_task(sales_user, due_in=dt.timedelta(hours=-1))
        today = make_task(sales_user, due_in=dt.timedelta(hours=2))
        upcoming = make_task(sales_user, due_in=dt.timedelta(days=2))
        nodate = make_task(sales_user, due_in=None)
        make_task(sales_user2, due_in=dt.timedelta(hours=-1))
        closed = make_task(sales_user, due_in=dt.timedelta(hours=-3))
        services.change_status(closed, actor=sales_user, to_status=TaskStatus.DONE)
        assert selectors.due_count(sales_user) == 2
        groups = selectors.group_tasks(
            list(Task.objects.filter(assignee=sales_user).open().order_by("due_at"))
        )
    by_key = {g.key: [t.pk for t in g.tasks] for g in groups}
    assert by_key == {
        "overdue": [overdue.pk],
        "today": [today.pk],
        "upcoming": [upcoming.pk],
        "no_date": [nodate.pk],
    }
