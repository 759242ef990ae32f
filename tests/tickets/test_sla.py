"""SLA with a frozen clock: due times, pause while waiting on the customer, status, warning,
the breach job and its notifications, and the database filter agreeing with the Python rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from clientdesk.core import schedule
from clientdesk.notifications.models import Notification
from clientdesk.tickets import services, sla, tasks
from clientdesk.tickets.models import SLAPolicy, SLAStatus, Status, Ticket

from .conftest import START

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)


def test_due_times_follow_the_policy_of_the_priority(
    clock: Any, customer: Any, make_ticket: Callable[..., Ticket]
) -> None:
    urgent = make_ticket(customer, priority="urgent")
    assert urgent.first_response_due_at == START + 30 * MIN
    assert urgent.resolution_due_at == START + 240 * MIN
    SLAPolicy.objects.filter(priority="low").update(first_response_minutes=5, resolution_minutes=9)
    low = make_ticket(customer, priority="low")
    assert (low.first_response_minutes, low.resolution_minutes) == (5, 9)
    assert low.resolution_due_at == START + 9 * MIN


def test_missing_policy_falls_back_to_defaults(
    clock: Any, customer: Any, make_ticket: Callable[..., Ticket]
) -> None:
    SLAPolicy.objects.all().delete()
    ticket = make_ticket(customer, priority="high")
    assert ticket.first_response_due_at == START + 60 * MIN


def test_pause_while_waiting_on_customer_pushes_due_times(
    clock: Any, ticket: Ticket, support_user: Any
) -> None:
    # Medium: 240 / 1440 minutes
    clock.advance(minutes=60)
    services.add_comment(ticket, actor=support_user, body="Need your statement")  # responds
    clock.advance(minutes=60)
    ticket = services.change_status(ticket, actor=support_user, to_status=Status.FOLLOWUP_SCHEDULED)
    assert ticket.sla_paused_at == clock.now
    # Two days waiting on the customer: past the resolution target, but the clock stood still.
    clock.advance(days=2)
    assert sla.status_of(ticket, clock.now) == SLAStatus.FULFILLED
    assert services.check_sla_breaches() == 0
    ticket = services.change_status(ticket, actor=support_user, to_status=Status.FOLLOWUP_COMPLETE)
    assert ticket.sla_paused_at is None
    assert ticket.sla_paused_seconds == 2 * 24 * 3600
    assert ticket.resolution_due_at == START + 1440 * MIN + dt.timedelta(days=2)
    # the met first response is not moved
    assert ticket.first_response_due_at == START + 240 * MIN
    # the unpaused time still counts: 1440 - 120 minutes are left
    clock.advance(minutes=1440 - 120 - 1)
    assert sla.status_of(ticket, clock.now) == SLAStatus.FULFILLED
    clock.advance(minutes=2)
    assert sla.status_of(ticket, clock.now) == SLAStatus.FAILED


def test_several_pauses_accumulate(clock: Any, ticket: Ticket, manager: Any) -> None:
    for minutes in (10, 20):
        ticket = services.change_status(ticket, actor=manager, to_status=Status.FOLLOWUP_SCHEDULED)
        clock.advance(minutes=minutes)
        ticket = services.change_status(ticket, actor=manager, to_status=Status.IN_PROGRESS)
    assert ticket.sla_paused_seconds == 30 * 60
    assert ticket.first_response_due_at == START + (240 + 30) * MIN


def test_resolving_from_a_pause_resumes_first(clock: Any, ticket: Ticket, manager: Any) -> None:
    ticket = services.change_status(ticket, actor=manager, to_status=Status.FOLLOWUP_SCHEDULED)
    clock.advance(days=3)
    ticket = services.change_status(ticket, actor=manager, to_status=Status.RESOLVED)
    assert ticket.resolved_at == clock.now
    assert ticket.sla_status == SLAStatus.FULFILLED  # the three days did not count


def test_status_first_response_due_then_failed(clock: Any, ticket: Ticket) -> None:
    assert sla.status_of(ticket, clock.now) == SLAStatus.FIRST_RESPONSE_DUE
    assert sla.status_of(ticket, START + 240 * MIN) == SLAStatus.FIRST_RESPONSE_DUE
    assert sla.status_of(ticket, START + 241 * MIN) == SLAStatus.FAILED


def test_late_response_stays_failed(clock: Any, ticket: Ticket, support_user: Any) -> None:
    clock.advance(minutes=300)
    services.add_comment(ticket, actor=support_user, body="Sorry for the wait")
    ticket.refresh_from_db()
    assert ticket.sla_status == SLAStatus.FAILED
    assert ticket.first_response_breached_at == clock.now


def test_warning_within_last_fifth_of_the_target(clock: Any, ticket: Ticket) -> None:
    # first response target 240 min: warn from 192 min on (48 left = 20%)
    assert sla.warning(ticket, START + 191 * MIN) is None
    warning = sla.warning(ticket, START + 192 * MIN)
    assert warning is not None and warning.label == "First response"
    assert warning.state == "running"
    late = sla.warning(ticket, START + 250 * MIN)
    assert late is not None and late.state == "overdue"


def test_no_warning_once_resolved(clock: Any, ticket: Ticket, manager: Any) -> None:
    ticket = services.change_status(ticket, actor=manager, to_status=Status.RESOLVED)
    assert sla.warning(ticket, START + dt.timedelta(days=30)) is None


def test_breach_job_marks_and_notifies_once_per_target(
    clock: Any, ticket: Ticket, support_user: Any, manager: Any
) -> None:
    services.assign(ticket, actor=manager, assignees=[support_user, manager])
    clock.set(START + 241 * MIN)
    assert services.check_sla_breaches() == 1
    ticket.refresh_from_db()
    assert ticket.sla_status == SLAStatus.FAILED
    assert ticket.first_response_breached_at == clock.now
    breaches = Notification.objects.filter(kind="sla_breach")
    assert {n.recipient for n in breaches} == {support_user, manager}
    assert {n.key for n in breaches} == {f"ticket:{ticket.pk}:sla:response"}
    clock.advance(minutes=5)
    assert services.check_sla_breaches() == 0  # already marked
    clock.set(START + 1441 * MIN)
    assert services.check_sla_breaches() == 1
    assert Notification.objects.filter(kind="sla_breach").count() == 4
    assert Notification.objects.filter(key=f"ticket:{ticket.pk}:sla:resolution").count() == 2


def test_breach_job_skips_paused_and_done(
    clock: Any, customer: Any, manager: Any, make_ticket: Callable[..., Ticket]
) -> None:
    paused = make_ticket(customer)
    services.change_status(paused, actor=manager, to_status=Status.FOLLOWUP_SCHEDULED)
    done = make_ticket(customer)
    services.change_status(done, actor=manager, to_status=Status.RESOLVED)
    clock.advance(days=5)
    assert services.check_sla_breaches() == 0


def test_breach_task_is_scheduled_every_five_minutes(clock: Any, ticket: Ticket) -> None:
    periodic = {p.name: p for p in schedule.registered()}["tickets.sla_breaches"]
    assert periodic.every == dt.timedelta(minutes=5)
    assert periodic.task is tasks.check_sla_breaches
    clock.set(START + 241 * MIN)
    result = tasks.check_sla_breaches.call()
    assert result == {"breaches": 1}


def test_filter_matches_python_rule_even_before_the_job_runs(
    clock: Any, customer: Any, manager: Any, support_user: Any, make_ticket: Callable[..., Ticket]
) -> None:
    fresh = make_ticket(customer, priority="low")
    overdue = make_ticket(customer, priority="urgent")
    answered = make_ticket(customer)
    services.add_comment(answered, actor=manager, body="Looking")
    paused = make_ticket(customer, priority="urgent")
    services.change_status(paused, actor=manager, to_status=Status.FOLLOWUP_SCHEDULED)
    clock.advance(minutes=45)  # urgent first response (30 min) missed; job has not run
    now = clock.now
    for ticket in Ticket.objects.all():
        expected = sla.status_of(ticket, now)
        assert Ticket.objects.filter(sla.status_q(expected, now), pk=ticket.pk).exists()
        others = [s for s in SLAStatus.values if s != expected]
        for other in others:
            assert not Ticket.objects.filter(sla.status_q(other, now), pk=ticket.pk).exists()
    statuses = {t.number: sla.status_of(t, now) for t in Ticket.objects.all()}
    assert statuses[overdue.number] == SLAStatus.FAILED
    assert statuses[fresh.number] == SLAStatus.FIRST_RESPONSE_DUE
    assert statuses[answered.number] == SLAStatus.FULFILLED
    assert statuses[paused.number] == SLAStatus.FIRST_RESPONSE_DUE


@hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["wait", "pause", "resume"]), st.integers(0, 3000)),
        max_size=8,
    )
)
def test_paused_time_never_counts(clock: Any, ticket: Ticket, steps: list[tuple[str, int]]) -> None:
    """Whatever the sequence of pauses, due = created + target + total paused time."""
    t = Ticket.objects.get(pk=ticket.pk)
    now = START
    for action, minutes in steps:
        now += dt.timedelta(minutes=minutes)
        if action == "pause":
            sla.pause(t, now)
        elif action == "resume":
            sla.resume(t, now)
    sla.resume(t, now)
    paused = dt.timedelta(seconds=t.sla_paused_seconds)
    assert t.first_response_due_at == START + 240 * MIN + paused
    assert t.resolution_due_at == START + 1440 * MIN + paused
