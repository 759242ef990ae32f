"""Provider webhooks: signatures right and wrong, the WhatsApp handshake, replays older than
five minutes, idempotency by event id, receipts, replies in the inbox, STOP, bounces."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from clientdesk.activities.models import Activity
from clientdesk.comms import hooks
from clientdesk.comms.models import (
    ChannelPreference,
    InboundMessage,
    Message,
    MessageStatus,
    ProviderEvent,
    Suppression,
)

pytestmark = pytest.mark.django_db
SECRET = "app-secret"


@pytest.fixture(autouse=True)
def _secrets(settings: Any) -> None:
    settings.WHATSAPP_APP_SECRET = SECRET
    settings.WHATSAPP_VERIFY_TOKEN = "verify-me"
    settings.TWILIO_AUTH_TOKEN = "tw-secret"
    settings.MSG91_WEBHOOK_TOKEN = "m91-hook"
    settings.POSTMARK_WEBHOOK_USER, settings.POSTMARK_WEBHOOK_PASSWORD = "pm", "pm-pass"
    settings.SITE_URL = "https://crm.example.com"


def sent_message(customer: Any, provider: str, provider_id: str, channel: str = "whatsapp") -> Any:
    return Message.objects.create(
        customer=customer,
        channel=channel,
        event="manual",
        to_address=customer.mobile,
        body="Hello",
        status=MessageStatus.SENT,
        provider=provider,
        provider_message_id=provider_id,
        sent_at=timezone.now(),
    )


def wa_post(client: Any, payload: dict[str, Any], *, secret: str = SECRET, capture: Any) -> Any:
    body = json.dumps(payload).encode()
    with capture(execute=True):
        return client.post(
            reverse("comms:hook_whatsapp"),
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=hooks.whatsapp_signature(body, secret),
        )


def wa_status(wamid: str, status: str, at: float | None = None) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": "1065"},
        "statuses": [
            {
                "id": wamid,
                "status": status,
                "timestamp": str(int(at or time.time())),
                "recipient_id": "919876543210",
            }
        ],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }


def wa_message(wamid: str, from_: str, text: str, at: float | None = None) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "contacts": [{"profile": {"name": "Asha"}, "wa_id": from_}],
        "messages": [
            {
                "from": from_,
                "id": wamid,
                "timestamp": str(int(at or time.time())),
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }


# --- WhatsApp ----------------------------------------------------------------------------


def test_whatsapp_verification_handshake(client):
    url = reverse("comms:hook_whatsapp")
    ok = client.get(
        url,
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200 and ok.content == b"1158201444"
    bad = client.get(
        url, {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"}
    )
    assert bad.status_code == 403


def test_whatsapp_status_receipts_move_the_message(
    client, customer, django_capture_on_commit_callbacks
):
    message = sent_message(customer, "whatsapp_cloud", "wamid.A")
    capture = django_capture_on_commit_callbacks
    assert wa_post(client, wa_status("wamid.A", "delivered"), capture=capture).status_code == 200
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.delivered_at
    assert wa_post(client, wa_status("wamid.A", "read"), capture=capture).status_code == 200
    message.refresh_from_db()
    assert message.status == MessageStatus.READ and message.read_at
    # a late "delivered" after "read" changes nothing
    wa_post(client, wa_status("wamid.A", "delivered", time.time() - 1), capture=capture)
    message.refresh_from_db()
    assert message.status == MessageStatus.READ
    assert not ProviderEvent.objects.exclude(payload={}).exists()  # payloads cleared


def test_whatsapp_failed_receipt_fails_the_message(
    client, customer, django_capture_on_commit_callbacks
):
    message = sent_message(customer, "whatsapp_cloud", "wamid.F")
    payload = wa_status("wamid.F", "failed")
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [
        {"code": 131026, "title": "Message undeliverable"}
    ]
    wa_post(client, payload, capture=django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "undeliverable" in message.last_error


def test_whatsapp_wrong_signature_is_refused(client, customer, django_capture_on_commit_callbacks):
    sent_message(customer, "whatsapp_cloud", "wamid.B")
    response = wa_post(
        client,
        wa_status("wamid.B", "delivered"),
        secret="wrong",
        capture=django_capture_on_commit_callbacks,
    )
    assert response.status_code == 403 and not ProviderEvent.objects.exists()
    unsigned = client.post(
        reverse("comms:hook_whatsapp"), data="{}", content_type="application/json"
    )
    assert unsigned.status_code == 403


def test_whatsapp_replayed_event_older_than_five_minutes_is_refused(
    client, customer, django_capture_on_commit_callbacks
):
    message = sent_message(customer, "whatsapp_cloud", "wamid.C")
    old = time.time() - 6 * 60
    response = wa_post(
        client, wa_status("wamid.C", "delivered", old), capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and not ProviderEvent.objects.exists()


def test_whatsapp_event_twice_is_processed_once(
    client, customer, django_capture_on_commit_callbacks
):
    payload = wa_message("wamid.IN", customer.mobile.lstrip("+"), "Hello, any update?")
    first = wa_post(client, payload, capture=django_capture_on_commit_callbacks)
    second = wa_post(client, payload, capture=django_capture_on_commit_callbacks)
    assert first.json()["stored"] == 1 and second.json()["duplicates"] == 1
    assert InboundMessage.objects.count() == 1


def test_whatsapp_reply_lands_on_the_timeline_and_in_the_inbox(
    client, customer, manager, django_capture_on_commit_callbacks, django_assert_num_queries
):
    payload = wa_message("wamid.R1", customer.mobile.lstrip("+"), "When is my KYC done?")
    wa_post(client, payload, capture=django_capture_on_commit_callbacks)
    [reply] = InboundMessage.objects.all()
    assert reply.customer == customer and reply.from_number == customer.mobile
    assert Activity.objects.filter(customer=customer, data__inbound_id=reply.pk).exists()
    client.force_login(manager)
    page = client.get(reverse("comms:inbox"))
    assert page.status_code == 200
    assert b"1 unread" in page.content and b"When is my KYC done?" in page.content
    with django_assert_num_queries(8):
        client.get(reverse("comms:inbox"))
    detail = client.get(reverse("comms:inbound", args=[reply.pk]))
    assert detail.status_code == 200
    reply.refresh_from_db()
    assert reply.read_at is not None
    assert b"0 unread" in client.get(reverse("comms:inbox")).content


def test_staff_reply_from_the_inbox_inside_the_window(
    client, settings, customer, manager, django_capture_on_commit_callbacks
):
    settings.COMMS_CHANNELS = {
        **settings.COMMS_CHANNELS,
        "whatsapp": {"provider": "whatsapp_cloud", "enabled": True},
    }
    wa_post(
        client,
        wa_message("wamid.R2", customer.mobile.lstrip("+"), "Hi"),
        capture=django_capture_on_commit_callbacks,
    )
    reply = InboundMessage.objects.get()
    client.force_login(manager)
    response = client.post(reverse("comms:inbound", args=[reply.pk]), {"body": "Hello Asha"})
    assert response.status_code == 302
    assert Message.objects.filter(customer=customer, channel="whatsapp", body="Hello Asha").exists()
    # a day later the window is closed: refused, with the reason
    InboundMessage.objects.update(received_at=timezone.now() - dt.timedelta(hours=25))
    refused = client.post(reverse("comms:inbound", args=[reply.pk]), {"body": "Still there?"})
    assert refused.status_code == 400 and b"24 hours" in refused.content


def test_stop_opts_the_customer_out(client, customer, django_capture_on_commit_callbacks):
    wa_post(
        client,
        wa_message("wamid.S", customer.mobile.lstrip("+"), "STOP"),
        capture=django_capture_on_commit_callbacks,
    )
    assert ChannelPreference.objects.get(customer=customer, channel="whatsapp").opted_out
    assert InboundMessage.objects.get().opt_out


def test_reply_from_a_lead_is_matched_to_the_lead(
    client, admin_user, django_capture_on_commit_callbacks
):
    from clientdesk.leads import services as leads

    data = {
        "first_name": "Ravi",
        "last_name": "Lead",
        "mobile": "9812345678",
        "email": "ravi.lead@example.com",
        "source": "website",
        "category": "direct",
        "account_type": "individual",
        "city": "Pune",
        "state": "Maharashtra",
        "postal_code": "411001",
        "country": "IN",
    }
    lead = leads.create_lead(actor=admin_user, data=data)
    wa_post(
        client,
        wa_message("wamid.L", "919812345678", "Interested"),
        capture=django_capture_on_commit_callbacks,
    )
    reply = InboundMessage.objects.get()
    assert reply.lead == lead and reply.customer is None


# --- Twilio ------------------------------------------------------------------------------


def twilio_post(
    client: Any, params: dict[str, str], *, token: str = "tw-secret", capture: Any
) -> Any:
    url = reverse("comms:hook_twilio")
    signature = hooks.twilio_signature("https://crm.example.com" + url, params, token)
    with capture(execute=True):
        return client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_twilio_status_callback_and_signature(client, customer, django_capture_on_commit_callbacks):
    message = sent_message(customer, "twilio", "SM1", channel="sms")
    params = {
        "MessageSid": "SM1",
        "MessageStatus": "delivered",
        "AccountSid": "AC1",
        "To": customer.mobile,
    }
    bad = twilio_post(client, params, token="wrong", capture=django_capture_on_commit_callbacks)
    assert bad.status_code == 403
    ok = twilio_post(client, params, capture=django_capture_on_commit_callbacks)
    assert ok.status_code == 200
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED


def test_twilio_undelivered_fails_the_message(client, customer, django_capture_on_commit_callbacks):
    message = sent_message(customer, "twilio", "SM2", channel="sms")
    params = {"MessageSid": "SM2", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    twilio_post(client, params, capture=django_capture_on_commit_callbacks)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "30003" in message.last_error


def test_twilio_inbound_sms(client, customer, django_capture_on_commit_callbacks):
    params = {"MessageSid": "SM9", "SmsStatus": "received", "From": customer.mobile, "Body": "stop"}
    twilio_post(client, params, capture=django_capture_on_commit_callbacks)
    reply = InboundMessage.objects.get()
    assert reply.channel == "sms" and reply.customer == customer and reply.opt_out
    assert ChannelPreference.objects.get(customer=customer, channel="sms").opted_out


# --- MSG91 -------------------------------------------------------------------------------


def test_msg91_delivery_report_needs_the_token(
    client, customer, django_capture_on_commit_callbacks
):
    message = sent_message(customer, "msg91", "req-1", channel="sms")
    now = timezone.now().astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
    payload = {
        "data": [
            {
                "requestId": "req-1",
                "report": [{"number": "919876543210", "status": "1", "date": now}],
            }
        ]
    }
    bad = client.post(
        reverse("comms:hook_msg91", args=["nope"]), payload, content_type="application/json"
    )
    assert bad.status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(
            reverse("comms:hook_msg91", args=["m91-hook"]), payload, content_type="application/json"
        )
    assert ok.status_code == 200
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED


# --- Postmark ----------------------------------------------------------------------------


def postmark_post(
    client: Any, payload: dict[str, Any], auth: str = "pm:pm-pass", capture: Any = None
) -> Any:
    header = "Basic " + base64.b64encode(auth.encode()).decode()
    with capture(execute=True):
        return client.post(
            reverse("comms:hook_postmark"),
            payload,
            content_type="application/json",
            HTTP_AUTHORIZATION=header,
        )


def test_postmark_hard_bounce_marks_the_address_undeliverable(
    client, customer, django_capture_on_commit_callbacks
):
    message = sent_message(customer, "postmark", "pm-1", channel="email")
    payload = {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": "HardBounce",
        "MessageID": "pm-1",
        "Email": customer.email,
        "BouncedAt": timezone.now().isoformat(),
    }
    assert (
        postmark_post(
            client, payload, "pm:wrong", capture=django_capture_on_commit_callbacks
        ).status_code
        == 403
    )
    assert (
        postmark_post(client, payload, capture=django_capture_on_commit_callbacks).status_code
        == 200
    )
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert Suppression.objects.filter(channel="email", address=customer.email).exists()


def test_postmark_spam_complaint_suppresses(client, customer, django_capture_on_commit_callbacks):
    payload = {
        "RecordType": "SpamComplaint",
        "ID": 42,
        "MessageID": "x",
        "Email": customer.email,
        "BouncedAt": timezone.now().isoformat(),
    }
    postmark_post(client, payload, capture=django_capture_on_commit_callbacks)
    assert Suppression.objects.get(channel="email").reason == "postmark: spam complaint"
