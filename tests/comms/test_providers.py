"""Provider adapters against real local servers: SMTP (aiosmtpd) and an HTTP gateway."""

from __future__ import annotations

import json

import pytest

from clientdesk.comms import providers, services
from clientdesk.comms.models import Message, MessageStatus

from .conftest import Reply, free_port

pytestmark = pytest.mark.django_db


def queue_one(customer, actor, channel, django_capture_on_commit_callbacks, **context):
    with django_capture_on_commit_callbacks(execute=True):
        [message] = services.queue_customer_message(
            customer,
            actor=actor,
            event="ticket_update",
            channel=channel,
            context={
                "ticket_number": "TK-000042",
                "ticket_subject": "Nominee change",
                "ticket_status": "Resolved",
                **context,
            },
        )
    message.refresh_from_db()
    return message


def outgoing(**kwargs):
    values = {
        "message_id": 7,
        "channel": "sms",
        "event": "manual",
        "to": "+919876543210",
        "subject": "",
        "body": "Hello",
        "client_id": "CD00000007",
    }
    return providers.Outgoing(**{**values, **kwargs})


# --- email through a real SMTP server ----------------------------------------------------


def test_email_arrives_at_the_smtp_server(
    smtp_server, customer, manager, django_capture_on_commit_callbacks
):
    message = queue_one(customer, manager, "email", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.SENT, message.last_error
    [received] = smtp_server.received
    assert received["to"] == [customer.email]
    assert received["from"] == "no-reply@clientdesk.local"
    email = received["message"]
    assert email["Subject"] == "Update on your request TK-000042: Nominee change"
    assert email["X-ClientDesk-Message"] == str(message.pk)
    assert email["Message-ID"] == message.provider_message_id
    assert f"Dear {customer.first_name}," in email.get_payload(decode=True).decode()


def test_refused_recipient_fails_at_once(smtp_server, manager, django_capture_on_commit_callbacks):
    from factories import make_customer

    customer = make_customer(email="refuse.me@example.com")
    message = queue_one(customer, manager, "email", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.FAILED
    assert message.attempts == 1
    assert message.last_error.startswith("Recipient refused")
    assert smtp_server.received == []


def test_smtp_server_down_is_retried(
    settings, customer, manager, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    message = queue_one(customer, manager, "email", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.QUEUED
    assert message.attempts == 1 and message.next_attempt_at > message.created_at
    assert message.last_error.startswith("SMTP error")


# --- the generic HTTP provider against a local gateway -----------------------------------


def test_http_gateway_accepts(gateway, customer, manager, django_capture_on_commit_callbacks):
    gateway.reply(Reply(200, {"id": "gw-777", "status": "accepted"}))
    message = queue_one(customer, manager, "sms", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.SENT
    assert message.provider_message_id == "gw-777"
    [request] = gateway.requests
    assert request["headers"]["Authorization"] == "Bearer s3cret-token"
    assert request["headers"]["Idempotency-Key"] == f"clientdesk-message-{message.pk}"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["json"]["to"] == customer.mobile
    assert request["json"]["body"] == message.body
    assert request["json"]["client_id"] == customer.client_id


def test_http_gateway_confirming_delivery(gateway):
    gateway.reply(Reply(202, {"message_id": "x1", "status": "delivered"}))
    provider = providers.for_channel("sms")
    assert provider.send(outgoing()) == providers.Sent("x1", delivered=True)


def test_http_500_is_a_temporary_error(gateway):
    gateway.reply(Reply(500, {"error": "boom"}))
    with pytest.raises(providers.DeliveryError) as caught:
        providers.for_channel("sms").send(outgoing())
    assert str(caught.value) == "HTTP 500 from provider"
    assert caught.value.permanent is False


@pytest.mark.parametrize(
    "status, permanent", [(400, True), (401, True), (429, False), (503, False)]
)
def test_http_4xx_is_permanent_except_throttling(gateway, status, permanent):
    gateway.reply(Reply(status, {}))
    with pytest.raises(providers.DeliveryError) as caught:
        providers.for_channel("sms").send(outgoing())
    assert caught.value.permanent is permanent


def test_http_timeout_is_a_temporary_error(
    gateway, customer, manager, django_capture_on_commit_callbacks
):
    gateway.reply(Reply(200, {"id": "late"}, delay=1.5))  # the provider waits 0.5 s
    message = queue_one(customer, manager, "sms", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.QUEUED
    assert "timed out" in message.last_error
    assert message.attempts == 1
    assert (message.next_attempt_at - message.created_at).total_seconds() >= 60


def test_http_gateway_unreachable_is_a_temporary_error(settings):
    settings.COMMS_CHANNELS = {
        **settings.COMMS_CHANNELS,
        "sms": {"provider": "http", "url": f"http://127.0.0.1:{free_port()}/", "timeout": 1},
    }
    with pytest.raises(providers.DeliveryError) as caught:
        providers.for_channel("sms").send(outgoing())
    assert "unreachable" in str(caught.value) and not caught.value.permanent


def test_http_provider_needs_an_http_url():
    with pytest.raises(providers.DeliveryError) as caught:
        providers.HttpProvider("file:///etc/passwd")
    assert caught.value.permanent


def test_http_reply_without_json_is_still_accepted(gateway):
    gateway.reply(Reply(200, []))
    assert providers.for_channel("sms").send(outgoing()) == providers.Sent("")


# --- file, in-app and configuration ------------------------------------------------------


def test_file_provider_writes_json_lines(settings, tmp_path):
    settings.COMMS_CHANNELS = {**settings.COMMS_CHANNELS, "push": {"provider": "file"}}
    provider = providers.for_channel("push")
    provider.send(outgoing(channel="push", message_id=1, subject="Hi"))
    provider.send(outgoing(channel="push", message_id=2))
    lines = (settings.COMMS_OUTBOX_DIR / "push.jsonl").read_text().splitlines()
    assert [json.loads(line)["message_id"] for line in lines] == [1, 2]
    assert json.loads(lines[0])["subject"] == "Hi"


def _reloaded_settings(monkeypatch, **env):
    import importlib
    import os

    import clientdesk.settings as module

    for name in list(os.environ):
        if name.startswith(("COMMS_", "EMAIL_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CLIENTDESK_ENV", "development")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        reloaded = importlib.reload(module)
        return (
            reloaded.COMMS_CHANNELS["sms"]["provider"],
            reloaded.COMMS_CHANNELS["push"]["provider"],
            reloaded.EMAIL_BACKEND.rsplit(".", 2)[-2],
        )
    finally:
        monkeypatch.undo()
        importlib.reload(module)


def test_file_provider_is_the_development_default(monkeypatch):
    assert _reloaded_settings(monkeypatch) == ("file", "file", "filebased")
    assert _reloaded_settings(
        monkeypatch, COMMS_SMS_URL="https://sms.example.com/send", EMAIL_HOST="smtp.example"
    ) == ("http", "file", "smtp")


def test_unknown_provider_is_a_permanent_error(settings):
    settings.COMMS_CHANNELS = {**settings.COMMS_CHANNELS, "push": {"provider": "carrier-pigeon"}}
    with pytest.raises(providers.DeliveryError) as caught:
        providers.for_channel("push")
    assert caught.value.permanent


def test_in_app_is_delivered_at_once():
    assert providers.for_channel("in_app").send(outgoing(channel="in_app")).delivered


def test_a_crashing_adapter_does_not_lose_the_message(
    customer, manager, monkeypatch, django_capture_on_commit_callbacks
):
    class Broken:
        def send(self, message):
            raise RuntimeError("bug")

    monkeypatch.setattr(providers, "for_channel", lambda channel: Broken())
    message = queue_one(customer, manager, "sms", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.QUEUED
    assert message.last_error == "RuntimeError: bug"
    assert Message.objects.get(pk=message.pk).attempts == 1
