"""Adapters for the providers firms contract, each speaking the vendor's documented API.

- ``postmark``       Postmark ``POST /email`` (X-Postmark-Server-Token).
- ``twilio``         Twilio ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (Basic auth,
                     form-encoded), with a status callback to our webhook.
- ``msg91``          MSG91 ``POST /api/v2/sendsms`` (authkey header) with the sender id, the
                     DLT entity id and the DLT template id TRAI requires in India.
- ``whatsapp_cloud`` Meta's WhatsApp Business Cloud API ``POST /{phone-number-id}/messages``:
                     an approved template with parameters, or free text only inside the
                     24-hour customer-service window.
- ``fcm``            Firebase Cloud Messaging HTTP v1 ``messages:send`` with an OAuth2 access
                     token from the service-account key (RS256 JWT bearer grant); tokens
                     FCM calls UNREGISTERED or INVALID_ARGUMENT are deleted.

Every call goes through ``resilience.request`` (timeouts, retries, breaker, Retry-After).
Secrets come from settings, which read them from the environment only.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings

from .providers import Outgoing, Sent
from .resilience import DeliveryError, Response, request


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def _fail(provider: str, response: Response, detail: str, *, permanent: bool = True) -> None:
    raise DeliveryError(f"{provider}: HTTP {response.status}: {detail}"[:480], permanent=permanent)


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# --- email: Postmark ---------------------------------------------------------------------


class PostmarkProvider:
    name = "postmark"
    #: ErrorCode 406: the recipient is inactive (bounced or complained) — do not retry.
    INACTIVE = 406

    def __init__(self, config: dict[str, Any]) -> None:
        self.timeout = float(config.get("timeout", 10))

    def send(self, message: Outgoing) -> Sent:
        payload = {
            "From": settings.DEFAULT_FROM_EMAIL,
            "To": message.to,
            "Subject": message.subject or settings.COMMS_SENDER_NAME,
            "TextBody": message.body,
            "MessageStream": settings.POSTMARK_MESSAGE_STREAM,
            "Metadata": {"clientdesk_message": str(message.message_id)},
        }
        response = request(
            self.name,
            "POST",
            settings.POSTMARK_API_URL.rstrip("/") + "/email",
            data=json.dumps(payload).encode(),
            headers={
                "Accept": "application/json",
                "Content-Type": "application/json",
                "X-Postmark-Server-Token": settings.POSTMARK_SERVER_TOKEN,
            },
            timeout=self.timeout,
        )
        data = response.json()
        data = data if isinstance(data, dict) else {}
        if not response.ok or data.get("ErrorCode"):
            code = data.get("ErrorCode")
            if code == self.INACTIVE:
                from . import inbound

                inbound.suppress("email", message.to, "Postmark: inactive recipient")
            _fail(self.name, response, f"error {code}: {data.get('Message', '')}")
        return Sent(provider_message_id=str(data.get("MessageID", ""))[:200])


# --- SMS: Twilio -------------------------------------------------------------------------


class TwilioProvider:
    name = "twilio"
    #: Error codes that no retry fixes: invalid number, unsubscribed, not a mobile ...
    PERMANENT_CODES = frozenset({21211, 21214, 21408, 21610, 21612, 21614})

    def __init__(self, config: dict[str, Any]) -> None:
        self.timeout = float(config.get("timeout", 10))

    def send(self, message: Outgoing) -> Sent:
        sid = settings.TWILIO_ACCOUNT_SID
        form = {"To": message.to, "Body": message.body}
        if settings.TWILIO_FROM.startswith("MG"):
            form["MessagingServiceSid"] = settings.TWILIO_FROM
        else:
            form["From"] = settings.TWILIO_FROM
        form["StatusCallback"] = site_url("/messages/hooks/twilio/")
        auth = base64.b64encode(f"{sid}:{settings.TWILIO_AUTH_TOKEN}".encode()).decode()
        response = request(
            self.name,
            "POST",
            f"{settings.TWILIO_API_URL.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json",
            data=urllib.parse.urlencode(form).encode(),
            headers={
                "Authorization": f"Basic {auth}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            timeout=self.timeout,
        )
        data = response.json()
        data = data if isinstance(data, dict) else {}
        if not response.ok:
            _fail(self.name, response, f"error {data.get('code')}: {data.get('message', '')}")
        return Sent(provider_message_id=str(data.get("sid", ""))[:200])


# --- SMS: MSG91 (India, DLT) -------------------------------------------------------------


class Msg91Provider:
    name = "msg91"

    def __init__(self, config: dict[str, Any]) -> None:
        self.timeout = float(config.get("timeout", 10))

    def send(self, message: Outgoing) -> Sent:
        if not message.dlt_template_id:
            raise DeliveryError(
                "msg91: this template has no DLT template id (TRAI requires one for every "
                "commercial SMS in India); set it on the message template",
                permanent=True,
            )
        number = _digits(message.to)
        payload = {
            "sender": settings.MSG91_SENDER_ID,
            "route": "4",
            "country": "0",  # numbers carry their country code
            "DLT_TE_ID": message.dlt_template_id,
            "PE_ID": settings.MSG91_DLT_ENTITY_ID,
            "sms": [{"message": message.body, "to": [number]}],
        }
        response = request(
            self.name,
            "POST",
            settings.MSG91_API_URL.rstrip("/") + "/api/v2/sendsms",
            data=json.dumps(payload).encode(),
            headers={
                "authkey": settings.MSG91_AUTH_KEY,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            timeout=self.timeout,
        )
        data = response.json()
        data = data if isinstance(data, dict) else {}
        if not response.ok or data.get("type") != "success":
            _fail(self.name, response, str(data.get("message", "refused")))
        # MSG91 answers with the request id its delivery reports carry.
        return Sent(provider_message_id=str(data.get("message", ""))[:200])


# --- WhatsApp Business Cloud API ---------------------------------------------------------


class WhatsAppCloudProvider:
    name = "whatsapp_cloud"
    #: Graph API error codes worth retrying: throttling and temporary errors.
    RETRYABLE_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056})
    #: Re-engagement message: more than 24 hours since the customer last wrote.
    OUTSIDE_WINDOW = 131047

    def __init__(self, config: dict[str, Any]) -> None:
        self.timeout = float(config.get("timeout", 10))

    def payload(self, message: Outgoing) -> dict[str, Any]:
        base = {"messaging_product": "whatsapp", "recipient_type": "individual"}
        base["to"] = _digits(message.to)
        if message.provider_template:
            parameters = [{"type": "text", "text": value} for value in message.template_params]
            template: dict[str, Any] = {
                "name": message.provider_template,
                "language": {"code": message.template_language or "en"},
            }
            if parameters:
                template["components"] = [{"type": "body", "parameters": parameters}]
            return {**base, "type": "template", "template": template}
        if not message.window_open:
            raise DeliveryError(outside_window_reason(), permanent=True)
        return {**base, "type": "text", "text": {"preview_url": False, "body": message.body}}

    def send(self, message: Outgoing) -> Sent:
        url = (
            f"{settings.WHATSAPP_API_URL.rstrip('/')}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
        )
        response = request(
            self.name,
            "POST",
            url,
            data=json.dumps(self.payload(message)).encode(),
            headers={
                "Authorization": f"Bearer {settings.WHATSAPP_TOKEN}",
                "Content-Type": "application/json",
            },
            timeout=self.timeout,
        )
        data = response.json()
        data = data if isinstance(data, dict) else {}
        if not response.ok:
            error: dict[str, Any] = data["error"] if isinstance(data.get("error"), dict) else {}
            code = error.get("code")
            if code == self.OUTSIDE_WINDOW:
                raise DeliveryError(outside_window_reason(), permanent=True)
            _fail(
                self.name,
                response,
                f"error {code}: {error.get('message', '')}",
                permanent=code not in self.RETRYABLE_CODES,
            )
        messages = data.get("messages") or [{}]
        return Sent(provider_message_id=str(messages[0].get("id", ""))[:200])


def outside_window_reason() -> str:
    return (
        "WhatsApp allows free text only within 24 hours of the customer's last message; "
        "outside that window send an approved template"
    )


# --- Push: Firebase Cloud Messaging HTTP v1 ----------------------------------------------

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
_token_cache: dict[str, tuple[str, float]] = {}
_token_lock = threading.Lock()


def service_account() -> dict[str, Any]:
    raw = settings.FCM_SERVICE_ACCOUNT_JSON
    if not raw and settings.FCM_SERVICE_ACCOUNT_FILE:
        try:
            raw = Path(settings.FCM_SERVICE_ACCOUNT_FILE).read_text(encoding="utf-8")
        except OSError as exc:
            raise DeliveryError(
                f"fcm: service-account key unreadable: {exc}", permanent=True
            ) from exc
    try:
        key = json.loads(raw or "{}")
    except ValueError as exc:
        raise DeliveryError("fcm: the service-account key is not JSON", permanent=True) from exc
    if not key.get("private_key") or not key.get("client_email"):
        raise DeliveryError("fcm: no service-account key configured", permanent=True)
    return dict(key)


def access_token(
    key: dict[str, Any], timeout: float, clock: Callable[[], float] = time.time
) -> str:
    """An OAuth2 access token for FCM: a JWT signed with the key (RS256) exchanged at the
    key's token_uri (RFC 7523 JWT bearer grant); cached until a minute before it expires."""
    import jwt

    cache_key = key["client_email"]
    now = clock()
    with _token_lock:
        cached = _token_cache.get(cache_key)
        if cached and cached[1] > now + 60:
            return cached[0]
    token_uri = key.get("token_uri") or "https://oauth2.googleapis.com/token"
    assertion = jwt.encode(
        {
            "iss": key["client_email"],
            "scope": SCOPE,
            "aud": token_uri,
            "iat": int(now),
            "exp": int(now) + 3600,
        },
        key["private_key"],
        algorithm="RS256",
        headers={"kid": key.get("private_key_id", "")} if key.get("private_key_id") else None,
    )
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
    response = request(
        "fcm",
        "POST",
        token_uri,
        data=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=timeout,
    )
    data = response.json()
    if not response.ok or not isinstance(data, dict) or not data.get("access_token"):
        _fail("fcm", response, "the OAuth2 token exchange was refused")
    token = str(data["access_token"])
    with _token_lock:
        _token_cache[cache_key] = (token, now + float(data.get("expires_in", 3600)))
    return token


class FcmProvider:
    name = "fcm"
    INVALID = frozenset({"UNREGISTERED", "INVALID_ARGUMENT"})

    def __init__(self, config: dict[str, Any]) -> None:
        self.timeout = float(config.get("timeout", 10))

    def send(self, message: Outgoing) -> Sent:
        if not message.device_tokens:
            raise DeliveryError("fcm: the customer has no registered device", permanent=True)
        key = service_account()
        project = settings.FCM_PROJECT_ID or key.get("project_id", "")
        url = f"{settings.FCM_API_URL.rstrip('/')}/v1/projects/{project}/messages:send"
        bearer = access_token(key, self.timeout)
        accepted: list[str] = []
        invalid: list[str] = []
        last_error = ""
        for device in message.device_tokens:
            body = {
                "message": {
                    "token": device,
                    "notification": {"title": message.subject, "body": message.body[:1000]},
                    "data": {"message_id": str(message.message_id), "event": message.event},
                }
            }
            response = request(
                self.name,
                "POST",
                url,
                data=json.dumps(body).encode(),
                headers={"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"},
                timeout=self.timeout,
            )
            data = response.json()
            data = data if isinstance(data, dict) else {}
            if response.ok:
                accepted.append(str(data.get("name", "")))
                continue
            code = fcm_error_code(data)
            if code in self.INVALID:
                invalid.append(device)
            last_error = f"{code or response.status}"
        if invalid:
            from . import inbound

            inbound.prune_device_tokens(invalid)
        if not accepted:
            reason = "every device token was invalid (pruned)" if invalid else last_error
            raise DeliveryError(f"fcm: not sent: {reason}", permanent=True)
        return Sent(provider_message_id=accepted[0][:200])


def fcm_error_code(data: dict[str, Any]) -> str:
    """The FcmError errorCode in an error's details, else its canonical status."""
    error: dict[str, Any] = data["error"] if isinstance(data.get("error"), dict) else {}
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return str(detail["errorCode"])
    return str(error.get("status", ""))


ADAPTERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "postmark": PostmarkProvider,
    "twilio": TwilioProvider,
    "msg91": Msg91Provider,
    "whatsapp_cloud": WhatsAppCloudProvider,
    "fcm": FcmProvider,
}
