"""Each provider adapter against a local fake speaking the vendor's documented API:
success, retryable and permanent errors, 429 Retry-After, timeouts, the circuit breaker,
the WhatsApp 24-hour rule, FCM's OAuth2 exchange and token invalidation."""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.parse
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ValidationError
from django.utils import timezone

from clientdesk.comms import resilience, services, vendors
from clientdesk.comms.models import (
    DeviceToken,
    InboundMessage,
    Message,
    MessageStatus,
    MessageTemplate,
    Suppression,
)

from .fakes import Scripted, running

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_retries(settings: Any) -> Any:
    settings.COMMS_HTTP_RETRIES = 2
    settings.COMMS_HTTP_BACKOFF = 0.0
    settings.COMMS_HTTP_RETRY_AFTER_MAX = 2
    settings.COMMS_BREAKER_THRESHOLD = 50
    settings.COMMS_BREAKER_COOLDOWN = 60
    settings.SITE_URL = "https://crm.example.com"
    resilience.breakers.clear()
    vendors._token_cache.clear()
    yield
    resilience.breakers.clear()


@pytest.fixture
def fake() -> Any:
    with running() as server:
        yield server


def use(settings: Any, channel: str, provider: str, timeout: float = 2) -> None:
    settings.COMMS_CHANNELS = {
        **settings.COMMS_CHANNELS,
        channel: {"provider": provider, "enabled": True, "timeout": timeout},
    }


def queue(customer: Any, actor: Any, channel: str, capture: Any) -> Message:
    with capture(execute=True):
        [message] = services.queue_customer_message(
            customer,
            actor=actor,
            event="ticket_update",
            channel=channel,
            context={
                "ticket_number": "TK-000042",
                "ticket_subject": "Nominee change",
                "ticket_status": "Resolved",
                "update_text": "Done.",
            },
        )
    message.refresh_from_db()
    return message


# --- Twilio ------------------------------------------------------------------------------


@pytest.fixture
def twilio(settings: Any, fake: Any) -> Any:
    use(settings, "sms", "twilio")
    settings.TWILIO_API_URL = fake.url
    settings.TWILIO_ACCOUNT_SID = "AC123"
    settings.TWILIO_AUTH_TOKEN = "tw-secret"
    settings.TWILIO_FROM = "+15005550006"
    return fake


def twilio_ok(sid: str = "SM0001") -> Scripted:
    return Scripted(201, {"sid": sid, "status": "queued", "error_code": None})


def test_twilio_accepts_and_the_message_is_sent_with_its_sid(
    twilio, customer, manager, django_capture_on_commit_callbacks
):
    twilio.reply(twilio_ok("SMabc"))
    message = queue(customer, manager, "sms", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.SENT, message.last_error
    assert (message.provider, message.provider_message_id) == ("twilio", "SMabc")
    [seen] = twilio.seen
    assert seen.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert seen.headers["Authorization"] == "Basic " + base64.b64encode(b"AC123:tw-secret").decode()
    form = dict(urllib.parse.parse_qsl(seen.body.decode()))
    assert form["To"] == customer.mobile and form["From"] == "+15005550006"
    assert "TK-000042" in form["Body"]
    assert form["StatusCallback"] == "https://crm.example.com/messages/hooks/twilio/"


def test_twilio_5xx_is_retried_with_backoff_then_sent(
    twilio, customer, manager, django_capture_on_commit_callbacks
):
    twilio.reply(Scripted(503, {"code": 20500, "message": "Internal"}), twilio_ok())
    message = queue(customer, manager, "sms", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.SENT
    assert len(twilio.seen) == 2


def test_twilio_permanent_error_fails_at_once(
    twilio, customer, manager, django_capture_on_commit_callbacks
):
    twilio.reply(Scripted(400, {"code": 21211, "message": "Invalid 'To' Phone Number"}))
    message = queue(customer, manager, "sms", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.FAILED
    assert "21211" in message.last_error and len(twilio.seen) == 1


def test_429_retry_after_is_waited_for_when_short(
    twilio, customer, manager, django_capture_on_commit_callbacks
):
    twilio.reply(Scripted(429, {"code": 20429}, {"Retry-After": "0"}), twilio_ok())
    message = queue(customer, manager, "sms", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.SENT and len(twilio.seen) == 2


def test_429_long_retry_after_ends_the_attempt_and_schedules_no_earlier(
    twilio, customer, manager, django_capture_on_commit_callbacks
):
    twilio.reply(Scripted(429, {"code": 20429}, {"Retry-After": "3600"}))
    before = timezone.now()
    message = queue(customer, manager, "sms", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.QUEUED and len(twilio.seen) == 1
    assert message.next_attempt_at >= before + dt.timedelta(seconds=3599)
    assert "retry after 3600" in message.last_error


def test_timeouts_are_retryable_and_keep_the_message_queued(
    settings, twilio, customer, manager, django_capture_on_commit_callbacks
):
    use(settings, "sms", "twilio", timeout=0.2)
    settings.COMMS_HTTP_RETRIES = 1
    twilio.reply(Scripted(delay=0.5), Scripted(delay=0.5))
    message = queue(customer, manager, "sms", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.QUEUED
    assert "timed out" in message.last_error and message.attempts == 1


def test_the_circuit_opens_after_repeated_failures(settings, twilio):
    settings.COMMS_BREAKER_THRESHOLD = 2
    settings.COMMS_HTTP_RETRIES = 0
    twilio.reply(Scripted(500), Scripted(500), Scripted(201))
    url = twilio.url + "/x"
    for _ in range(2):
        with pytest.raises(resilience.DeliveryError):
            resilience.request("twilio", "POST", url, data=b"")
    with pytest.raises(resilience.DeliveryError, match="circuit open") as info:
        resilience.request("twilio", "POST", url, data=b"")
    assert not info.value.permanent and len(twilio.seen) == 2
    assert resilience.circuit_states() == {"twilio": "open"}
    settings.COMMS_BREAKER_COOLDOWN = 0  # half open: one trial goes through and closes it
    assert resilience.request("twilio", "POST", url, data=b"").status == 201
    assert resilience.circuit_states() == {"twilio": "closed"}


# --- MSG91 -------------------------------------------------------------------------------


@pytest.fixture
def msg91(settings: Any, fake: Any) -> Any:
    use(settings, "sms", "msg91")
    settings.MSG91_API_URL = fake.url
    settings.MSG91_AUTH_KEY = "m91-key"
    settings.MSG91_SENDER_ID = "CLDESK"
    settings.MSG91_DLT_ENTITY_ID = "1101234567890"
    return fake


def test_msg91_sends_with_the_dlt_ids_and_sender(
    msg91, customer, manager, django_capture_on_commit_callbacks
):
    MessageTemplate.objects.filter(event="ticket_update", channel="sms").update(
        dlt_template_id="1107161234567890123"
    )
    msg91.reply(Scripted(200, {"message": "3763646c3058323931373538", "type": "success"}))
    message = queue(customer, manager, "sms", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.SENT, message.last_error
    assert message.provider_message_id == "3763646c3058323931373538"
    [seen] = msg91.seen
    assert seen.path == "/api/v2/sendsms" and seen.headers["Authkey"] == "m91-key"
    body = seen.json()
    assert body["sender"] == "CLDESK" and body["DLT_TE_ID"] == "1107161234567890123"
    assert body["PE_ID"] == "1101234567890"
    assert body["sms"][0]["to"] == [customer.mobile.lstrip("+")]


def test_msg91_without_a_dlt_template_id_is_refused(
    msg91, customer, manager, django_capture_on_commit_callbacks
):
    message = queue(customer, manager, "sms", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.FAILED and "DLT template id" in message.last_error
    assert msg91.seen == []


def test_msg91_error_reply_fails(msg91, customer, manager, django_capture_on_commit_callbacks):
    MessageTemplate.objects.filter(event="ticket_update", channel="sms").update(
        dlt_template_id="1107"
    )
    msg91.reply(Scripted(200, {"message": "Template mismatch", "type": "error"}))
    message = queue(customer, manager, "sms", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.FAILED and "Template mismatch" in message.last_error


# --- WhatsApp Cloud API ------------------------------------------------------------------


@pytest.fixture
def whatsapp(settings: Any, fake: Any) -> Any:
    use(settings, "whatsapp", "whatsapp_cloud")
    settings.WHATSAPP_API_URL = fake.url + "/v21.0"
    settings.WHATSAPP_TOKEN = "wa-token"
    settings.WHATSAPP_PHONE_NUMBER_ID = "106540352242922"
    return fake


def wa_ok(wamid: str = "wamid.HBgL") -> Scripted:
    return Scripted(
        200,
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": "919876543210", "wa_id": "919876543210"}],
            "messages": [{"id": wamid}],
        },
    )


def test_whatsapp_business_initiated_message_uses_the_approved_template(
    whatsapp, customer, manager, django_capture_on_commit_callbacks
):
    MessageTemplate.objects.filter(event="ticket_update", channel="whatsapp").update(
        provider_template="ticket_update_v2",
        provider_language="en_GB",
        provider_params="customer.first_name, ticket_number",
    )
    whatsapp.reply(wa_ok("wamid.T1"))
    message = queue(customer, manager, "whatsapp", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.SENT, message.last_error
    assert message.provider_message_id == "wamid.T1"
    [seen] = whatsapp.seen
    assert seen.path == "/v21.0/106540352242922/messages"
    assert seen.headers["Authorization"] == "Bearer wa-token"
    body = seen.json()
    assert body["type"] == "template" and body["to"] == customer.mobile.lstrip("+")
    assert body["template"]["name"] == "ticket_update_v2"
    assert body["template"]["language"] == {"code": "en_GB"}
    params = body["template"]["components"][0]["parameters"]
    assert [p["text"] for p in params] == [customer.first_name, "TK-000042"]


def test_whatsapp_free_text_outside_the_24_hour_window_is_refused(
    whatsapp, customer, manager, django_capture_on_commit_callbacks
):
    # no approved template: the system message would be free text, and nobody wrote
    message = queue(customer, manager, "whatsapp", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.FAILED
    assert "24 hours" in message.last_error and whatsapp.seen == []
    with pytest.raises(ValidationError, match="24 hours"):
        services.send_message(customer, actor=manager, channel="whatsapp", subject="", body="Hi")


def test_whatsapp_free_text_inside_the_window_is_sent(
    whatsapp, customer, manager, django_capture_on_commit_callbacks
):
    InboundMessage.objects.create(
        channel="whatsapp",
        provider="whatsapp_cloud",
        provider_message_id="wamid.IN1",
        from_number=customer.mobile,
        body="Hello?",
        customer=customer,
        received_at=timezone.now() - dt.timedelta(hours=23),
    )
    whatsapp.reply(wa_ok("wamid.F1"))
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(
            customer, actor=manager, channel="whatsapp", subject="", body="Yes, how can I help?"
        )
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT, message.last_error
    body = whatsapp.seen[0].json()
    assert body["type"] == "text" and body["text"]["body"] == "Yes, how can I help?"


def test_whatsapp_re_engagement_error_fails_with_the_reason(
    whatsapp, customer, manager, django_capture_on_commit_callbacks
):
    InboundMessage.objects.create(
        channel="whatsapp",
        provider="whatsapp_cloud",
        provider_message_id="wamid.IN2",
        from_number=customer.mobile,
        customer=customer,
    )
    error = {"message": "Re-engagement message", "type": "OAuthException", "code": 131047}
    whatsapp.reply(Scripted(400, {"error": error}))
    with django_capture_on_commit_callbacks(execute=True):
        message = services.send_message(
            customer, actor=manager, channel="whatsapp", subject="", body="Hi"
        )
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "24 hours" in message.last_error


def test_whatsapp_throttling_code_is_retryable(
    whatsapp, customer, manager, django_capture_on_commit_callbacks
):
    MessageTemplate.objects.filter(event="ticket_update", channel="whatsapp").update(
        provider_template="ticket_update_v2"
    )
    error = {"message": "Rate limit hit", "code": 130429}
    whatsapp.reply(Scripted(400, {"error": error}))
    message = queue(customer, manager, "whatsapp", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.QUEUED and "130429" in message.last_error


# --- FCM HTTP v1 -------------------------------------------------------------------------


@pytest.fixture
def rsa_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def fcm(settings: Any, fake: Any, rsa_key: Any) -> Any:
    use(settings, "push", "fcm")
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings.FCM_SERVICE_ACCOUNT_JSON = json.dumps(
        {
            "type": "service_account",
            "project_id": "clientdesk-test",
            "private_key_id": "k1",
            "private_key": pem,
            "client_email": "push@clientdesk-test.iam.gserviceaccount.com",
            "token_uri": fake.url + "/token",
        }
    )
    settings.FCM_API_URL = fake.url
    settings.FCM_PROJECT_ID = ""

    def token(seen: Any) -> Scripted:
        form = dict(urllib.parse.parse_qsl(seen.body.decode()))
        claims = jwt.decode(
            form["assertion"],
            rsa_key.public_key(),
            algorithms=["RS256"],
            audience=fake.url + "/token",
        )
        ok = (
            form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
            and claims["iss"] == "push@clientdesk-test.iam.gserviceaccount.com"
            and claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
        )
        if not ok:
            return Scripted(400, {"error": "invalid_grant"})
        return Scripted(
            200, {"access_token": "ya29.fake", "expires_in": 3599, "token_type": "Bearer"}
        )

    fake.routes["/token"] = token
    return fake


def unregistered() -> Scripted:
    return Scripted(
        404,
        {
            "error": {
                "code": 404,
                "message": "Requested entity was not found.",
                "status": "NOT_FOUND",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                        "errorCode": "UNREGISTERED",
                    }
                ],
            }
        },
    )


def test_fcm_exchanges_the_key_and_prunes_unregistered_tokens(
    fcm, customer, manager, django_capture_on_commit_callbacks
):
    DeviceToken.objects.create(customer=customer, token="tok-good")
    DeviceToken.objects.create(customer=customer, token="tok-gone")
    fcm.reply(
        *[
            Scripted(200, {"name": "projects/clientdesk-test/messages/0:1"})
            if i == 0
            else unregistered()
            for i in range(2)
        ]
    )
    message = queue(customer, manager, "push", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.SENT, message.last_error
    assert message.provider_message_id == "projects/clientdesk-test/messages/0:1"
    sends = fcm.requests_to("/v1/projects/clientdesk-test/messages:send")
    assert len(sends) == 2 and len(fcm.requests_to("/token")) == 1
    assert all(s.headers["Authorization"] == "Bearer ya29.fake" for s in sends)
    tokens = {s.json()["message"]["token"] for s in sends}
    assert tokens == {"tok-good", "tok-gone"}
    remaining = set(DeviceToken.objects.values_list("token", flat=True))
    # whichever token got the UNREGISTERED answer is gone, the other stays
    assert len(remaining) == 1


def test_fcm_all_tokens_invalid_fails_and_prunes(
    fcm, customer, manager, django_capture_on_commit_callbacks
):
    DeviceToken.objects.create(customer=customer, token="tok-bad")
    invalid = {
        "error": {
            "code": 400,
            "status": "INVALID_ARGUMENT",
            "message": "The registration token is not a valid FCM registration token",
        }
    }
    fcm.reply(Scripted(400, invalid))
    message = queue(customer, manager, "push", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.FAILED and "pruned" in message.last_error
    assert not DeviceToken.objects.exists()


def test_fcm_without_a_registered_device_fails(
    fcm, customer, manager, django_capture_on_commit_callbacks
):
    message = queue(customer, manager, "push", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.FAILED and "no registered device" in message.last_error


# --- Postmark ----------------------------------------------------------------------------


@pytest.fixture
def postmark(settings: Any, fake: Any) -> Any:
    use(settings, "email", "postmark")
    settings.POSTMARK_API_URL = fake.url
    settings.POSTMARK_SERVER_TOKEN = "pm-token"
    return fake


def test_postmark_accepts_and_keeps_the_message_id(
    postmark, customer, manager, django_capture_on_commit_callbacks
):
    postmark.reply(
        Scripted(
            200,
            {
                "To": customer.email,
                "SubmittedAt": "2024-06-11T10:00:00Z",
                "MessageID": "0a129aee-e1cd-480d-b08d-4f48548ff48d",
                "ErrorCode": 0,
                "Message": "OK",
            },
        )
    )
    message = queue(customer, manager, "email", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.SENT
    assert message.provider_message_id == "0a129aee-e1cd-480d-b08d-4f48548ff48d"
    [seen] = postmark.seen
    assert seen.path == "/email" and seen.headers["X-Postmark-Server-Token"] == "pm-token"
    assert seen.json()["To"] == customer.email and seen.json()["MessageStream"] == "outbound"


def test_postmark_inactive_recipient_suppresses_the_address(
    postmark, customer, manager, django_capture_on_commit_callbacks
):
    postmark.reply(
        Scripted(422, {"ErrorCode": 406, "Message": "You tried to send to inactive recipient"})
    )
    message = queue(customer, manager, "email", django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.FAILED
    assert Suppression.objects.filter(channel="email", address=customer.email).exists()
    again = queue(customer, manager, "email", django_capture_on_commit_callbacks)
    assert again.status == MessageStatus.SKIPPED and "undeliverable" in again.last_error
