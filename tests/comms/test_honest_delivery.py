"""Sent only when a provider accepted it: development backends say "Not sent"; a channel can
be switched off; production refuses to start with a development backend on an enabled
channel; devices register for push through the API."""

from __future__ import annotations

import os
import runpy
import secrets
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse

from clientdesk.comms import services
from clientdesk.comms.models import DeviceToken, MessageStatus

pytestmark = pytest.mark.django_db
SETTINGS_FILE = Path(__file__).resolve().parents[2] / "src" / "clientdesk" / "settings.py"


def queue(customer: Any, actor: Any, channel: str, capture: Any) -> Any:
    with capture(execute=True):
        [message] = services.queue_customer_message(
            customer,
            actor=actor,
            event="ticket_update",
            channel=channel,
            context={"ticket_number": "TK-1", "ticket_subject": "S", "ticket_status": "Open"},
        )
    message.refresh_from_db()
    return message


def test_file_backend_marks_not_sent(
    settings, client, customer, manager, django_capture_on_commit_callbacks
):
    settings.COMMS_CHANNELS = {
        **settings.COMMS_CHANNELS,
        "sms": {"provider": "file", "enabled": True},
    }
    message = queue(customer, manager, "sms", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.NOT_SENT and message.sent_at is None
    assert "development backend" in message.last_error
    client.force_login(manager)
    page = client.get(reverse("comms:detail", args=[message.pk]))
    assert b"Not sent (development backend)" in page.content
    api = client.get(f"/api/v1/messages/{message.pk}/")
    assert api.json()["status"] == "not_sent"


def test_file_email_backend_marks_not_sent(
    settings, tmp_path, customer, manager, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    message = queue(customer, manager, "email", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.NOT_SENT


def test_a_switched_off_channel_skips_refuses_and_says_so(
    settings, client, customer, manager, django_capture_on_commit_callbacks
):
    settings.COMMS_CHANNELS = {
        **settings.COMMS_CHANNELS,
        "whatsapp": {"provider": "memory", "enabled": False},
    }
    message = queue(customer, manager, "whatsapp", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.SKIPPED
    assert message.last_error == "skipped: WhatsApp messages are switched off"
    with pytest.raises(ValidationError, match="switched off"):
        services.send_message(customer, actor=manager, channel="whatsapp", subject="", body="Hi")
    client.force_login(manager)
    tab = client.get(reverse("customers:tab", args=[customer.pk, "messages"]))
    assert b'data-testid="channel-off"' in tab.content


# --- production start-up -----------------------------------------------------------------


def production(tmp_path: Path, **extra: str) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COMMS_", "EMAIL_", "TWILIO_", "CLIENTDESK_", "DJANGO_"))
    }
    return {
        **keep,
        "CLIENTDESK_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "FIELD_HASH_KEY": secrets.token_urlsafe(40)[:40],
        "ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "CLIENTDESK_VAR_DIR": str(tmp_path),
        **extra,
    }


def load(env: dict[str, str]) -> dict[str, Any]:
    with mock.patch.dict(os.environ, env, clear=True):
        return runpy.run_path(str(SETTINGS_FILE))


def test_production_refuses_development_backends_naming_the_setting(tmp_path):
    with pytest.raises(ImproperlyConfigured) as info:
        load(production(tmp_path))
    text = str(info.value)
    for name in (
        "EMAIL_HOST",
        "COMMS_SMS_PROVIDER",
        "COMMS_WHATSAPP_PROVIDER",
        "COMMS_PUSH_PROVIDER",
    ):
        assert name in text, name


def test_production_names_a_real_providers_missing_secret(tmp_path):
    env = production(
        tmp_path,
        EMAIL_HOST="smtp.example.com",
        COMMS_SMS_PROVIDER="twilio",
        TWILIO_ACCOUNT_SID="AC1",
        TWILIO_FROM="+15005550006",
        COMMS_WHATSAPP_ENABLED="false",
        COMMS_PUSH_ENABLED="false",
    )
    with pytest.raises(ImproperlyConfigured, match="TWILIO_AUTH_TOKEN"):
        load(env)
    env["TWILIO_AUTH_TOKEN"] = "secret"
    values = load(env)
    assert values["COMMS_CHANNELS"]["whatsapp"]["enabled"] is False


# --- device registration -----------------------------------------------------------------


def test_the_apps_service_account_registers_a_device(client, customer, integration, manager):
    url = reverse("customer-devices", args=[customer.pk])
    client.force_login(manager)
    assert (
        client.post(url, {"token": "fcm-token-1"}, content_type="application/json").status_code
        == 403
    )
    client.force_login(integration)
    response = client.post(
        url, {"token": "fcm-token-1", "platform": "ios"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert DeviceToken.objects.get().customer == customer
    again = client.post(url, {"token": "fcm-token-1"}, content_type="application/json")
    assert again.status_code == 201 and DeviceToken.objects.count() == 1


# --- provider fields of a template -------------------------------------------------------


def test_template_page_sets_the_dlt_id_and_the_approved_whatsapp_template(client, manager):
    from clientdesk.comms.models import MessageTemplate

    client.force_login(manager)
    sms = MessageTemplate.objects.get(event="kyc_rejected", channel="sms")
    page = client.get(f"/messages/templates/{sms.pk}/").content.decode()
    assert "DLT template id" in page and "Approved WhatsApp template" not in page
    response = client.post(
        f"/messages/templates/{sms.pk}/",
        {"subject": "", "body": sms.body, "dlt_template_id": "1107161234567890123"},
    )
    assert response.status_code == 302
    sms.refresh_from_db()
    assert sms.dlt_template_id == "1107161234567890123"
    wa = MessageTemplate.objects.get(event="kyc_rejected", channel="whatsapp")
    response = client.post(
        f"/messages/templates/{wa.pk}/",
        {
            "subject": "",
            "body": wa.body,
            "provider_template": "kyc_rejected_v1",
            "provider_language": "en",
            "provider_params": "customer.first_name,reason",
        },
    )
    assert response.status_code == 302
    wa.refresh_from_db()
    assert (wa.provider_template, wa.provider_params) == (
        "kyc_rejected_v1",
        "customer.first_name,reason",
    )
