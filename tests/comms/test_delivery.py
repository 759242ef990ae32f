"""Retries with backoff (1, 5, 25 minutes), max attempts, the every-minute sweep, leases."""

from __future__ import annotations

import datetime as dt

import pytest

from clientdesk.comms import services
from clientdesk.comms.models import Message, MessageStatus
from clientdesk.comms.tasks import deliver_message, retry_due_messages
from clientdesk.core import schedule
from clientdesk.notifications.models import Notification

from .conftest import Reply

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def queue_sms(customer, actor):
    """Queue without running the on-commit delivery (the test drives the attempts)."""
    return services.send_message(customer, actor=actor, channel="sms", subject="", body="Hello")


def reload(message):
    return Message.objects.get(pk=message.pk)


def test_backoff_1_5_25_minutes_then_failed(clock, gateway, customer, manager):
    gateway.reply(*[Reply(500, {}) for _ in range(4)])
    message = queue_sms(customer, manager)
    start = clock.now

    assert services.deliver(message.pk) == "queued"
    message = reload(message)
    assert (message.attempts, message.next_attempt_at) == (1, start + MINUTE)
    assert message.last_error == "HTTP 500 from provider"

    clock.advance(seconds=59)
    assert services.deliver(message.pk) == ""  # not due yet: no attempt, nothing sent
    assert reload(message).attempts == 1 and len(gateway.requests) == 1

    clock.advance(seconds=1)
    assert services.deliver(message.pk) == "queued"
    assert reload(message).next_attempt_at == clock.now + 5 * MINUTE

    clock.advance(minutes=5)
    services.deliver(message.pk)
    assert reload(message).next_attempt_at == clock.now + 25 * MINUTE

    clock.advance(minutes=25)
    assert services.deliver(message.pk) == "failed"
    message = reload(message)
    assert message.status == MessageStatus.FAILED and message.attempts == 4
    assert message.next_attempt_at is None
    assert len(gateway.requests) == 4
    assert [(e.status, e.attempt) for e in message.log.all()] == [
        ("queued", 0),
        ("queued", 1),
        ("queued", 2),
        ("queued", 3),
        ("failed", 4),
    ]
    assert message.log.last().detail == "HTTP 500 from provider (4 attempts)"
    # a late duplicate task changes nothing
    assert services.deliver(message.pk) == "" and len(gateway.requests) == 4


def test_retry_succeeds_after_a_500(clock, gateway, customer, manager):
    gateway.reply(Reply(500, {}), Reply(200, {"id": "gw-9"}))
    message = queue_sms(customer, manager)
    services.deliver(message.pk)
    clock.advance(minutes=1)
    assert services.deliver(message.pk) == "sent"
    message = reload(message)
    assert message.status == MessageStatus.SENT and message.provider_message_id == "gw-9"
    assert message.sent_at == clock.now and message.last_error == ""
    assert message.attempts == 2


def test_the_sweep_enqueues_only_due_messages(
    clock, gateway, customer, manager, django_capture_on_commit_callbacks
):
    gateway.reply(Reply(500, {}), Reply(500, {}), Reply(200, {"id": "ok"}))
    message = queue_sms(customer, manager)
    services.deliver(message.pk)

    clock.advance(seconds=30)
    assert services.retry_due() == 0
    clock.advance(seconds=30)
    result = retry_due_messages.enqueue()  # the periodic task (immediate backend)
    assert result.return_value == 1
    assert reload(message).attempts == 2

    clock.advance(minutes=4)
    assert services.retry_due() == 0
    clock.advance(minutes=1)
    assert services.retry_due() == 1
    assert reload(message).status == MessageStatus.SENT


def test_max_attempts_marks_failed_and_tells_the_sender(
    clock, settings, gateway, customer, sales_user, django_capture_on_commit_callbacks
):
    settings.COMMS_MAX_ATTEMPTS = 2
    gateway.reply(Reply(503, {}), Reply(503, {}))
    message = queue_sms(customer, sales_user)
    services.deliver(message.pk)
    clock.advance(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliver(message.pk) == "failed"
    note = Notification.objects.get(recipient=sales_user)
    assert note.title == f"SMS message to {customer.full_name} failed"
    assert note.url == f"/messages/{message.pk}/"
    assert note.body == "HTTP 503 from provider"


def test_permanent_error_fails_without_retry(clock, gateway, customer, manager):
    gateway.reply(Reply(400, {"error": "bad number"}))
    message = queue_sms(customer, manager)
    assert services.deliver(message.pk) == "failed"
    message = reload(message)
    assert message.attempts == 1 and message.next_attempt_at is None
    assert "permanent error" in message.log.last().detail


def test_a_worker_that_died_mid_send_is_picked_up_after_the_lease(
    clock, gateway, customer, manager
):
    message = queue_sms(customer, manager)
    assert services._claim(message.pk) is not None  # ... and the worker dies here
    assert services.retry_due() == 0
    clock.advance(minutes=1)
    assert services.retry_due() == 1
    message = reload(message)
    assert message.status == MessageStatus.SENT and message.attempts == 2


def test_a_message_out_of_attempts_is_failed_by_the_sweep(clock, settings, customer, manager):
    settings.COMMS_MAX_ATTEMPTS = 1
    message = queue_sms(customer, manager)
    services._claim(message.pk)  # the only attempt; the worker dies
    clock.advance(minutes=1)
    services.retry_due()
    message = reload(message)
    assert message.status == MessageStatus.FAILED
    assert message.log.last().detail == "gave up: no attempts left"


def test_deliver_task_runs_a_delivery(customer, manager):
    message = queue_sms(customer, manager)
    result = deliver_message.enqueue(message.pk)
    assert result.return_value == "sent"
    assert reload(message).status == MessageStatus.SENT


def test_the_sweep_runs_every_minute_from_the_schedule(clock, django_capture_on_commit_callbacks):
    [periodic] = [p for p in schedule.registered() if p.name == "comms.retry_due_messages"]
    assert periodic.every == MINUTE and periodic.task is retry_due_messages
    with django_capture_on_commit_callbacks(execute=False):
        assert "comms.retry_due_messages" in schedule.run_due(clock.now)
        assert "comms.retry_due_messages" not in schedule.run_due(clock.now + MINUTE / 2)
        assert "comms.retry_due_messages" in schedule.run_due(clock.now + MINUTE)


def test_retry_delays_follow_the_setting(settings):
    settings.COMMS_RETRY_DELAYS = [10, 20]
    assert [services.retry_delay(n).seconds for n in (1, 2, 3, 4)] == [10, 20, 20, 20]
