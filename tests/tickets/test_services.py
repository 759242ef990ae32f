"""tickets.services: creation, validation, the status pipeline, comments, assignment, bulk
close, settings and the messages handed to the comms outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clientdesk.activities.models import Activity, Kind
from clientdesk.activities.services import timeline
from clientdesk.core.models import AuditEvent
from clientdesk.notifications.models import Notification
from clientdesk.tickets import services
from clientdesk.tickets.models import (
    TRANSITIONS,
    SLAPolicy,
    SLAStatus,
    Status,
    Ticket,
    TicketComment,
    TicketSubject,
    TicketSurvey,
)

from .conftest import ticket_data

pytestmark = pytest.mark.django_db

ALL = [s.value for s in Status]


def test_create_numbers_assigns_and_records(
    customer: Any, manager: Any, support_user: Any, make_ticket: Callable[..., Ticket]
) -> None:
    first = make_ticket(customer)
    second = make_ticket(customer)
    assert first.number.startswith("TKT-") and len(first.number) == 10
    assert int(second.number[4:]) == int(first.number[4:]) + 1
    assert first.status == Status.NEW and first.priority == "medium"
    assert first.sla_status == SLAStatus.FIRST_RESPONSE_DUE
    assert list(first.assignees.all()) == [support_user]
    assert first.created_by == manager
    event = AuditEvent.objects.filter(object_type="tickets.ticket", object_id=str(first.pk)).get()
    assert event.action == "create" and event.changes["assignees"]["new"] == "support1"
    # on the ticket's timeline and, through it, on the customer's
    activity = timeline(first).get()
    assert activity.kind == Kind.TICKET and first.number in activity.body
    assert timeline(customer).filter(pk=activity.pk).exists()
    notes = Notification.objects.filter(recipient=support_user, kind="assignment")
    assert notes.count() == 2
    note = notes.get(url=f"/tickets/{first.pk}/")
    assert first.number in note.title


def test_ticket_number_prefix_is_configurable(
    settings: Any, customer: Any, make_ticket: Callable[..., Ticket]
) -> None:
    settings.TICKET_NUMBER_PREFIX = "SUP"
    assert make_ticket(customer).number.startswith("SUP-")


def test_explicit_assignees_skip_round_robin(
    customer: Any,
    support_user: Any,
    support2: Any,
    manager: Any,
    make_ticket: Callable[..., Ticket],
) -> None:
    ticket = make_ticket(customer, assignees=[support2, manager])
    assert set(ticket.assignees.all()) == {support2, manager}
    # the actor is not notified about their own assignment
    assert not Notification.objects.filter(recipient=manager).exists()
    assert Notification.objects.filter(recipient=support2, kind="assignment").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"customer": None}, "customer"),
        ({"subject": None}, "subject"),
        ({"source": "carrier pigeon"}, "source"),
        ({"source": ""}, "source"),
        ({"priority": "whenever"}, "priority"),
        ({"description": "x" * 10_001}, "description"),
    ],
)
def test_create_refuses_bad_input_with_field_errors(
    customer: Any, manager: Any, overrides: dict[str, Any], field: str
) -> None:
    before = (Ticket.objects.count(), AuditEvent.objects.count(), Activity.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.create_ticket(actor=manager, data={**ticket_data(customer), **overrides})
    assert field in exc.value.message_dict
    assert (Ticket.objects.count(), AuditEvent.objects.count(), Activity.objects.count()) == before


def test_inactive_subject_refused(customer: Any, manager: Any, subject: TicketSubject) -> None:
    TicketSubject.objects.filter(pk=subject.pk).update(is_active=False)
    subject.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.create_ticket(actor=manager, data=ticket_data(customer, subject=subject))
    assert "subject" in exc.value.message_dict


def test_assignee_without_ticket_access_refused(
    customer: Any, manager: Any, user_factory: Callable[..., Any]
) -> None:
    nobody = user_factory(None, username="norole")
    with pytest.raises(ValidationError) as exc:
        services.create_ticket(actor=manager, data=ticket_data(customer, assignees=[nobody]))
    assert "assignees" in exc.value.message_dict


@pytest.mark.parametrize("role", ["sales", "compliance"])
def test_read_only_roles_cannot_create(
    customer: Any, users_by_role: dict[str, Any], role: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.create_ticket(actor=users_by_role[role], data=ticket_data(customer))


# --- status pipeline -----------------------------------------------------------------------


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", ALL)
def test_transition_table_is_enforced(
    source: str, target: str, ticket: Ticket, manager: Any
) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(status=source)
    ticket.refresh_from_db()
    allowed = target in TRANSITIONS[source]
    note = "done" if target == Status.CLOSED else ""
    if allowed:
        ticket = services.change_status(ticket, actor=manager, to_status=target, note=note)
        assert ticket.status == target
    else:
        with pytest.raises(ValidationError) as exc:
            services.change_status(ticket, actor=manager, to_status=target, note=note)
        assert {e.code for e in exc.value.error_dict["status"]} == {"invalid_transition"}


def test_status_change_logged_audited_and_messaged(
    ticket: Ticket,
    support_user: Any,
    customer: Any,
    outbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(
            ticket, actor=support_user, to_status=Status.IN_PROGRESS, note="On it"
        )
    event = AuditEvent.objects.filter(object_id=str(ticket.pk), action="status_change").get()
    assert event.changes["status"] == {"old": "new", "new": "in_progress"}
    activity = timeline(customer).filter(kind=Kind.TICKET, data__event="status").get()
    assert activity.data["from"] == "new" and activity.data["to"] == "in_progress"
    assert "New → In Progress" in activity.body and "On it" in activity.body
    assert outbox.events() == ["ticket_update"]
    call = outbox.calls[0]
    assert call["customer"] == customer and call["actor"] == support_user
    assert call["context"]["new_status"] == "In Progress" and call["channel"] is None


def test_messages_wait_for_commit(ticket: Ticket, manager: Any, outbox: Any) -> None:
    """Inside the test transaction nothing commits, so nothing reaches the outbox."""
    services.change_status(ticket, actor=manager, to_status=Status.OPEN)
    assert outbox.calls == []


def test_missing_comms_module_only_logs(
    ticket: Ticket,
    manager: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "clientdesk.comms.services", None)  # import -> ImportError
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(ticket, actor=manager, to_status=Status.OPEN)
    assert "comms outbox unavailable" in caplog.text
    assert Ticket.objects.get(pk=ticket.pk).status == Status.OPEN


def test_close_needs_reason_then_sets_times_and_sends_survey(
    ticket: Ticket, manager: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.change_status(ticket, actor=manager, to_status=Status.CLOSED, note="  ")
    assert "note" in exc.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.change_status(
            ticket, actor=manager, to_status=Status.CLOSED, note="Duplicate of TKT-1"
        )
    assert ticket.closed_at and ticket.resolved_at and ticket.first_response_at
    survey = TicketSurvey.objects.get(ticket=ticket)
    assert outbox.events() == ["ticket_survey"]
    url = outbox.calls[0]["context"]["survey_url"]
    assert url.startswith("https://desk.example.com/tickets/survey/")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert survey.token_hash == services.hash_token(token) and token not in survey.token_hash
    assert outbox.calls[0]["context"]["ticket"] == ticket


def test_reopen_clears_resolution(ticket: Ticket, manager: Any) -> None:
    ticket = services.change_status(ticket, actor=manager, to_status=Status.RESOLVED)
    assert ticket.resolved_at is not None
    ticket = services.change_status(ticket, actor=manager, to_status=Status.OPEN)
    assert ticket.resolved_at is None and ticket.first_response_at is not None


def test_unknown_status_is_a_field_error(ticket: Ticket, manager: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.change_status(ticket, actor=manager, to_status="archived")
    assert "status" in exc.value.message_dict


# --- the row rule --------------------------------------------------------------------------


def test_support_changes_only_assigned_tickets(
    customer: Any, support_user: Any, support2: Any, make_ticket: Callable[..., Ticket]
) -> None:
    mine = make_ticket(customer, assignees=[support_user])
    theirs = make_ticket(customer, assignees=[support2])
    assert services.can_edit(support_user, mine) and not services.can_edit(support_user, theirs)
    services.add_comment(mine, actor=support_user, body="Called back")
    for call in (
        lambda: services.change_status(theirs, actor=support_user, to_status=Status.OPEN),
        lambda: services.add_comment(theirs, actor=support_user, body="hi"),
        lambda: services.update_ticket(theirs, actor=support_user, data={"priority": "high"}),
        lambda: services.assign(theirs, actor=support_user, assignees=[support_user]),
    ):
        with pytest.raises(PermissionDenied):
            call()


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_change_any_ticket(
    role: str, ticket: Ticket, users_by_role: dict[str, Any]
) -> None:
    actor = users_by_role[role]
    assert services.can_edit(actor, ticket)
    services.change_status(ticket, actor=actor, to_status=Status.OPEN)


@pytest.mark.parametrize("role", ["sales", "compliance"])
def test_readers_cannot_change(role: str, ticket: Ticket, users_by_role: dict[str, Any]) -> None:
    actor = users_by_role[role]
    assert not services.can_edit(actor, ticket)
    with pytest.raises(PermissionDenied):
        services.change_status(ticket, actor=actor, to_status=Status.OPEN)


# --- comments and mentions -----------------------------------------------------------------


def test_first_comment_is_the_first_response(clock: Any, ticket: Ticket, support_user: Any) -> None:
    clock.advance(minutes=30)
    services.add_comment(ticket, actor=support_user, body="Asked for a screenshot.")
    ticket.refresh_from_db()
    assert ticket.first_response_at == clock.now
    assert ticket.sla_status == SLAStatus.FULFILLED
    clock.advance(minutes=30)
    services.add_comment(ticket, actor=support_user, body="Reminder sent.")
    ticket.refresh_from_db()
    assert ticket.first_response_at == clock.now - dt.timedelta(minutes=30)


def test_mentions_notify_once_and_only_ticket_readers(
    ticket: Ticket,
    support_user: Any,
    manager: Any,
    sales_user: Any,
    user_factory: Callable[..., Any],
) -> None:
    user_factory(None, username="outsider")
    comment = services.add_comment(
        ticket,
        actor=support_user,
        body="@manager1 please approve. cc @sales1, @outsider and @support1 @nobody.",
    )
    mentions = Notification.objects.filter(kind="mention")
    assert set(mentions.values_list("recipient__username", flat=True)) == {"manager1", "sales1"}
    note = mentions.get(recipient=manager)
    assert note.url.endswith(f"#comment-{comment.pk}")
    assert note.key == f"ticket:{ticket.pk}:comment:{comment.pk}:mention"


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_bad_comment_refused(ticket: Ticket, manager: Any, body: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.add_comment(ticket, actor=manager, body=body)
    assert "body" in exc.value.message_dict
    assert not TicketComment.objects.exists()


# --- reassignment --------------------------------------------------------------------------


def test_reassign_notifies_new_assignees_and_audits(
    ticket: Ticket, manager: Any, support_user: Any, support2: Any
) -> None:
    Notification.objects.all().delete()
    services.assign(ticket, actor=manager, assignees=[support2])
    assert list(ticket.assignees.all()) == [support2]
    assert Notification.objects.get(kind="assignment").recipient == support2
    event = AuditEvent.objects.filter(object_id=str(ticket.pk), action="update").latest("seq")
    assert event.changes["assignees"] == {"old": "support1", "new": "support2"}
    assert timeline(ticket).filter(data__event="assigned").exists()
    # the same set again changes nothing
    count = AuditEvent.objects.count()
    services.assign(ticket, actor=manager, assignees=[support2])
    assert AuditEvent.objects.count() == count


def test_reassign_needs_someone(ticket: Ticket, manager: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.assign(ticket, actor=manager, assignees=[])
    assert "assignees" in exc.value.message_dict


def test_support_user_may_hand_over_own_ticket(
    ticket: Ticket, support_user: Any, support2: Any
) -> None:
    services.assign(ticket, actor=support_user, assignees=[support2])
    assert not services.can_edit(support_user, ticket)


# --- editing -------------------------------------------------------------------------------


def test_priority_change_recomputes_targets(clock: Any, ticket: Ticket, manager: Any) -> None:
    created = ticket.created_at
    ticket = services.update_ticket(ticket, actor=manager, data={"priority": "urgent"})
    assert ticket.first_response_minutes == 30 and ticket.resolution_minutes == 240
    assert ticket.first_response_due_at == created + dt.timedelta(minutes=30)
    event = AuditEvent.objects.filter(object_id=str(ticket.pk), action="update").get()
    assert event.changes["priority"] == {"old": "medium", "new": "urgent"}


def test_update_without_changes_writes_nothing(ticket: Ticket, manager: Any) -> None:
    count = AuditEvent.objects.count()
    services.update_ticket(ticket, actor=manager, data={"priority": ticket.priority})
    assert AuditEvent.objects.count() == count


# --- bulk close ----------------------------------------------------------------------------


def test_bulk_close_reports_what_it_skipped(
    customer: Any,
    support_user: Any,
    support2: Any,
    make_ticket: Callable[..., Ticket],
    manager: Any,
    outbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    mine = make_ticket(customer, assignees=[support_user])
    theirs = make_ticket(customer, assignees=[support2])
    done = make_ticket(customer, assignees=[support_user])
    services.change_status(done, actor=manager, to_status=Status.CLOSED, note="earlier")
    with django_capture_on_commit_callbacks(execute=True):
        result = services.bulk_close(
            [mine.pk, theirs.pk, done.pk, 999_999], actor=support_user, reason="Resolved on call"
        )
    assert result.done == [mine.number]
    skipped = dict(result.skipped)
    assert set(skipped) == {theirs.number, done.number}
    assert skipped[theirs.number] == "not assigned to you"
    assert "already Closed" in skipped[done.number]
    assert outbox.events() == ["ticket_survey"]


def test_bulk_close_needs_reason(manager: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.bulk_close([1], actor=manager, reason=" ")
    assert "reason" in exc.value.message_dict


# --- settings ------------------------------------------------------------------------------


def test_subjects_and_sla_managed_by_managers_only(
    manager: Any, support_user: Any, admin_user: Any
) -> None:
    subject = services.save_subject(actor=manager, name="Margin call")
    assert subject.is_active and subject.position == 7
    with pytest.raises(ValidationError):
        services.save_subject(actor=admin_user, name="margin CALL")
    with pytest.raises(PermissionDenied):
        services.save_subject(actor=support_user, name="Nope")
    policy = services.update_sla_policy(
        actor=admin_user, priority="high", first_response_minutes=45, resolution_minutes=300
    )
    assert (policy.first_response_minutes, policy.resolution_minutes) == (45, 300)
    with pytest.raises(ValidationError) as exc:
        services.update_sla_policy(
            actor=admin_user, priority="high", first_response_minutes=90, resolution_minutes=60
        )
    assert "resolution_minutes" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.update_sla_policy(
            actor=support_user, priority="high", first_response_minutes=1, resolution_minutes=2
        )


def test_default_subjects_and_policies_installed(db: None) -> None:
    names = list(TicketSubject.objects.values_list("name", flat=True))
    assert names[:2] == ["Account opening", "KYC / documents"] and "Other" in names
    targets = {
        p.priority: (p.first_response_minutes, p.resolution_minutes)
        for p in SLAPolicy.objects.all()
    }
    assert targets == {
        "urgent": (30, 240),
        "high": (60, 480),
        "medium": (240, 1440),
        "low": (480, 2880),
    }


def test_message_context_carries_the_template_variables(
    ticket: Ticket, manager: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(ticket, actor=manager, to_status=Status.OPEN, note="Looking")
        services.change_status(ticket, actor=manager, to_status=Status.CLOSED, note="Done")
    update, survey = (c["context"] for c in outbox.calls)
    assert update["ticket_number"] == ticket.number and update["ticket_subject"] == "Login issue"
    assert update["ticket_status"] == "Open" and update["update_text"] == "Looking"
    assert survey["ticket_status"] == "Closed" and survey["survey_url"].startswith("https://")


def test_real_outbox_receives_the_survey_link(
    ticket: Ticket,
    manager: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """With the comms module installed, closing queues a survey message holding the link."""
    monkeypatch.undo()  # the real queue_customer_message, not the autouse stand-in
    comms_models = pytest.importorskip("clientdesk.comms.models")
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(ticket, actor=manager, to_status=Status.CLOSED, note="Done")
    messages = comms_models.Message.objects.filter(customer=ticket.customer, event="ticket_survey")
    assert messages.exists()
    assert any("/tickets/survey/" in m.body for m in messages)
