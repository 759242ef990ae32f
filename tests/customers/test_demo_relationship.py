"""seed_demo's relationship data (``customers/demo_relationship.py``) on a small demo.

The stories run through the services, one transaction per step; a test's own transaction
never commits, so each step runs inside pytest-django's on-commit capture (the callbacks —
messages to customers, notifications — run at the end of the step, as after a commit).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from clientdesk.activities.models import Activity, Kind
from clientdesk.calls.models import CallLog, CallSource, Direction
from clientdesk.comms.models import Message, MessageStatus
from clientdesk.core import audit
from clientdesk.core.models import AuditEvent
from clientdesk.core.tasks import verify_audit_chain
from clientdesk.customers import demo, demo_relationship
from clientdesk.customers.models import Customer
from clientdesk.followups.models import OPEN_STATUSES, Task, TaskStatus
from clientdesk.leads.models import Lead, LeadStatus, LeadStatusChange
from clientdesk.notifications.models import Notification
from clientdesk.tickets.models import Status as TicketStatus
from clientdesk.tickets.models import Ticket, TicketComment, TicketSurvey

pytestmark = pytest.mark.django_db

SURVEY_TOKEN = re.compile(r"/survey/[^/\s]+")
CUSTOMERS = 80
SEED = 7
Wrapper = Callable[[], AbstractContextManager[Any]]


@pytest.fixture
def demo_data(roles: Any) -> tuple[dict[str, Any], dt.datetime]:
    """80 demo customers and the demo users, without relationship data; and a fixed now."""
    call_command(
        "seed_demo", customers=CUSTOMERS, seed=SEED, workers=0, no_relationship=True,
        stdout=StringIO(),
    )  # fmt: skip
    assert not Lead.objects.exists()
    names = [u.username for u in demo.DEMO_USERS]
    users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    return users, timezone.now()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Wrapper:
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _seed(users: dict[str, Any], now: dt.datetime, wrapper: Wrapper, seed: int = SEED) -> Any:
    return demo_relationship.seed_relationships(
        customers=Customer.objects.order_by("pk"), users=users, seed=seed, now=now,
        step_wrapper=wrapper,
    )  # fmt: skip


def test_every_pipeline_and_ticket_status_through_the_services(demo_data, on_commit):
    users, now = demo_data
    summary = _seed(users, now, on_commit)

    leads = Lead.objects.all()
    assert leads.count() == summary.counts["leads"] == max(12, CUSTOMERS // 5)
    assert set(leads.values_list("status", flat=True)) == set(LeadStatus.values)
    assert set(leads.values_list("owner__username", flat=True)) <= set(demo.SALES_USERNAMES)
    # Every step left its history row; the expiry job set the two expiry statuses.
    assert LeadStatusChange.objects.filter(to_status=LeadStatus.EXPIRED, actor=None).exists()
    assert LeadStatusChange.objects.count() >= leads.count()
    converted = leads.exclude(customer=None)
    assert converted.exists()
    assert Customer.objects.count() == CUSTOMERS + converted.count()
    assert Customer.objects.filter(source_lead__isnull=False, status="active").exists()

    tickets = Ticket.objects.all()
    assert tickets.count() == summary.counts["tickets"] == CUSTOMERS // 8
    assert set(tickets.values_list("status", flat=True)) == set(TicketStatus.values)
    assert all(t.assignees.filter(username="support").exists() for t in tickets)
    assert tickets.filter(sla_status="failed").exists()
    assert tickets.filter(resolution_breached_at__isnull=False).exists()
    assert tickets.filter(sla_status="fulfilled").exists()
    assert TicketComment.objects.exists()
    assert TicketSurvey.objects.filter(rating__isnull=False).exists()
    assert Notification.objects.filter(kind="sla_breach").exists()


def test_calls_tasks_notes_and_messages(demo_data, on_commit):
    users, now = demo_data
    summary = _seed(users, now, on_commit)

    calls = CallLog.objects.all()
    assert calls.count() == summary.counts["calls"] > 0
    assert {Direction.INCOMING, Direction.OUTGOING} <= set(
        calls.values_list("direction", flat=True)
    )
    assert {CallSource.MANUAL, CallSource.DEVICE} <= set(calls.values_list("source", flat=True))
    assert calls.filter(lead__isnull=False).exists()
    assert calls.filter(customer__isnull=False).exists()
    assert calls.filter(is_cold_call=True).exists()
    assert len(set(calls.values_list("status", flat=True))) >= 5

    tasks = Task.objects.all()
    assert {TaskStatus.DONE, TaskStatus.TODO} <= set(tasks.values_list("status", flat=True))
    overdue = tasks.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    assert overdue.count() == summary.counts["overdue"] > 0
    assert set(tasks.values_list("assignee__username", flat=True)) <= set(users)
    assert Notification.objects.filter(kind="task_reminder").exists()

    kinds = set(Activity.objects.values_list("kind", flat=True))
    assert {Kind.NOTE, Kind.MEETING, Kind.REVIEW, Kind.CALL, Kind.TICKET, Kind.MESSAGE} <= kinds
    assert Customer.objects.filter(last_reviewed_at__isnull=False).exists()

    messages = Message.objects.all()
    assert {"ticket_update", "ticket_survey", "manual"} <= set(
        messages.values_list("event", flat=True)
    )
    # The test settings run tasks at once: the memory provider delivered them.
    assert messages.filter(status__in=[MessageStatus.SENT, MessageStatus.DELIVERED]).exists()
    assert not messages.filter(status=MessageStatus.QUEUED).exists()


def test_times_are_spread_over_the_past_weeks_and_the_audit_chain_holds(demo_data, on_commit):
    users, now = demo_data
    first_seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    _seed(users, now, on_commit)

    created = list(Ticket.objects.values_list("created_at", flat=True))
    created += list(Lead.objects.values_list("created_at", flat=True))
    assert max(created) <= now and min(created) >= now - dt.timedelta(days=100)
    assert max(created) - min(created) > dt.timedelta(days=21)
    assert not CallLog.objects.filter(started_at__gt=now).exists()
    assert not Activity.objects.filter(created_at__gt=now).exists()
    # Audit records carry the story's times, in the order they were written.
    events = AuditEvent.objects.filter(seq__gt=first_seq).order_by("seq")
    times = list(events.values_list("created_at", flat=True))
    assert len(times) > 100 and times == sorted(times) and times[-1] <= now
    assert set(events.values_list("source", flat=True)) == {"cli", "task"}

    assert audit.verify().ok
    result = verify_audit_chain.enqueue()
    assert result.return_value["ok"] is True
    assert result.return_value["checked"] == AuditEvent.objects.count()


class _Rollback(Exception):
    pass


def _snapshot_of_a_run(users: dict[str, Any], now: dt.datetime, wrapper: Wrapper, seed: int):
    """What a run creates, by natural keys (no ids, no secrets), then rolled back."""
    try:
        with transaction.atomic():
            _seed(users, now, wrapper, seed)
            snapshot = _snapshot()
            raise _Rollback
    except _Rollback:
        pass
    assert not Lead.objects.exists()
    return snapshot


def _snapshot() -> dict[str, list[tuple[Any, ...]]]:
    def rows(queryset: Any, *fields: str) -> list[tuple[Any, ...]]:
        # Survey links carry a random token (a secret, never derived from the seed).
        return sorted(
            (tuple(SURVEY_TOKEN.sub("/survey/<token>", v) if isinstance(v, str) else v
                   for v in row) for row in queryset.values_list(*fields)),
            key=repr,
        )  # fmt: skip

    return {
        "leads": rows(Lead.objects, "mobile", "email", "status", "owner__username",
                      "created_at", "account_opened_at", "customer__client_id"),
        "lead_steps": rows(LeadStatusChange.objects, "lead__mobile", "to_status", "note",
                           "created_at"),
        "tickets": rows(Ticket.objects, "number", "customer__client_id", "subject__name",
                        "status", "priority", "source", "sla_status", "created_at",
                        "first_response_at", "resolved_at", "resolution_breached_at"),
        "comments": rows(TicketComment.objects, "ticket__number", "body", "created_at"),
        "surveys": rows(TicketSurvey.objects, "ticket__number", "rating", "answered_at"),
        "calls": rows(CallLog.objects, "direction", "party_number", "status", "started_at",
                      "duration_seconds", "staff__username", "is_cold_call", "source"),
        "tasks": rows(Task.objects, "title", "status", "due_at", "assignee__username",
                      "created_at", "completed_at"),
        "activities": rows(Activity.objects, "kind", "body", "created_at", "subject_type"),
        "messages": rows(Message.objects, "customer__client_id", "event", "channel", "status",
                         "subject", "created_at"),
        "notifications": rows(Notification.objects, "recipient__username", "title",
                              "created_at", "read_at"),
        "audit": rows(AuditEvent.objects, "action", "object_type", "actor_label", "created_at"),
    }  # fmt: skip


def test_the_same_seed_gives_the_same_data(demo_data, on_commit):
    users, now = demo_data
    first = _snapshot_of_a_run(users, now, on_commit, SEED)
    second = _snapshot_of_a_run(users, now, on_commit, SEED)
    assert first["leads"] and first["tickets"] and first["calls"]
    for name in first:
        assert first[name] == second[name], name
    other = _snapshot_of_a_run(users, now, on_commit, SEED + 1)
    assert other["leads"] != first["leads"]


def test_seed_demo_adds_it_for_small_demos_only(roles, django_capture_on_commit_callbacks):
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", customers=40, seed=3, workers=0, stdout=out)
    line = next(x for x in out.getvalue().splitlines() if x.startswith("Relationship data"))
    assert line.startswith("Relationship data: 12 leads (12 statuses"), line
    assert Ticket.objects.count() == 7 and CallLog.objects.exists()
    assert audit.verify().ok

    leads = Lead.objects.count()
    call_command("seed_demo", customers=20, seed=4, workers=0, no_relationship=True,
                 stdout=out)  # fmt: skip
    assert Lead.objects.count() == leads


def test_no_relationship_data_above_the_limit(roles, monkeypatch):
    monkeypatch.setattr(demo_relationship, "MAX_CUSTOMERS", 10)
    out = StringIO()
    call_command("seed_demo", customers=11, seed=5, workers=0, stdout=out)
    assert "Relationship data" not in out.getvalue()
    assert not Lead.objects.exists() and not Ticket.objects.exists()
