"""Webhooks the providers call: receipts, replies, bounces (no session, no CSRF token).

Each one verifies the provider's own signature (or shared secret) before reading anything,
refuses events older than ``COMMS_WEBHOOK_MAX_AGE`` seconds (5 minutes: a replay), stores
each event once by the provider's event id, and answers at once: the work is done by
``tasks.process_provider_event`` (``inbound``).

- WhatsApp Cloud API: ``GET`` is the verification handshake (``hub.mode=subscribe``,
  ``hub.verify_token`` = WHATSAPP_VERIFY_TOKEN, answered with ``hub.challenge``); ``POST``
  carries ``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>``.
- Twilio: ``X-Twilio-Signature`` = base64 HMAC-SHA1 (auth token) of the full URL followed
  by every POST parameter name and value, sorted by name.
- MSG91: delivery reports to a URL carrying MSG91_WEBHOOK_TOKEN (MSG91 does not sign).
- Postmark: bounce, spam-complaint and delivery webhooks with HTTP Basic credentials
  (POSTMARK_WEBHOOK_USER / POSTMARK_WEBHOOK_PASSWORD).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from . import inbound
from .models import Channel

log = logging.getLogger(__name__)
MAX_BODY = 256 * 1024


def _refuse(status: int, reason: str) -> JsonResponse:
    log.warning("webhook refused: %s", reason)
    return JsonResponse({"error": reason}, status=status)


def _from_unix(raw: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(raw), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _from_iso(raw: Any) -> dt.datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else timezone.make_aware(value, dt.UTC)


def _summary(stored: int, duplicates: int, stale: int) -> JsonResponse:
    return JsonResponse({"stored": stored, "duplicates": duplicates, "stale": stale})


def _store(events: list[tuple[str, str, str, dict[str, Any], dt.datetime | None]]) -> JsonResponse:
    """Store (provider, event id, kind, payload, time) events: stale ones refused, repeated
    ones ignored. All stale: 400 (a replay)."""
    stored = duplicates = stale = 0
    for provider, event_id, kind, payload, at in events:
        if inbound.is_stale(at):
            stale += 1
            continue
        if inbound.record_event(provider, event_id, kind, payload):
            stored += 1
        else:
            duplicates += 1
    if events and stale == len(events):
        return _refuse(400, "stale event (older than the replay window)")
    return _summary(stored, duplicates, stale)


# --- WhatsApp Cloud API ------------------------------------------------------------------


def whatsapp_signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        token = settings.WHATSAPP_VERIFY_TOKEN
        given = request.GET.get("hub.verify_token", "")
        if (
            request.GET.get("hub.mode") != "subscribe"
            or not token
            or not hmac.compare_digest(given.encode(), token.encode())
        ):
            return _refuse(403, "verification token mismatch")
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    body = request.body[:MAX_BODY]
    secret = settings.WHATSAPP_APP_SECRET
    given = request.headers.get("X-Hub-Signature-256", "")
    if not secret or not hmac.compare_digest(
        given.encode(), whatsapp_signature(body, secret).encode()
    ):
        return _refuse(403, "bad X-Hub-Signature-256")
    try:
        payload = json.loads(body)
    except ValueError:
        return _refuse(400, "not JSON")
    return _store(list(_whatsapp_events(payload)))


def _whatsapp_events(payload: Any) -> Any:
    if not isinstance(payload, dict):
        return
    for entry in payload.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            for status in value.get("statuses") or []:
                errors = status.get("errors") or [{}]
                error = errors[0].get("title") or errors[0].get("message") or ""
                yield (
                    "whatsapp_cloud",
                    f"status:{status.get('id')}:{status.get('status')}",
                    "status",
                    {
                        "id": status.get("id", ""),
                        "status": status.get("status", ""),
                        "error": error,
                    },
                    _from_unix(status.get("timestamp")),
                )
            for message in value.get("messages") or []:
                at = _from_unix(message.get("timestamp"))
                text = (message.get("text") or {}).get("body") or (
                    (message.get("button") or {}).get("text")
                    or f"[{message.get('type', 'message')}]"
                )
                yield (
                    "whatsapp_cloud",
                    f"message:{message.get('id')}",
                    "inbound",
                    {
                        "channel": Channel.WHATSAPP,
                        "id": message.get("id", ""),
                        "from": message.get("from", ""),
                        "body": text,
                        "at": at.isoformat() if at else None,
                    },
                    at,
                )


# --- Twilio ------------------------------------------------------------------------------


def twilio_signature(url: str, params: dict[str, str], auth_token: str) -> str:
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _public_url(request: HttpRequest) -> str:
    """The URL Twilio called: SITE_URL + path (the proxy may have changed scheme and host)."""
    return settings.SITE_URL.rstrip("/") + request.get_full_path()


@csrf_exempt
@require_POST
def twilio(request: HttpRequest) -> HttpResponse:
    params = {key: request.POST.get(key, "") for key in request.POST}
    token = settings.TWILIO_AUTH_TOKEN
    given = request.headers.get("X-Twilio-Signature", "")
    expected = twilio_signature(_public_url(request), params, token) if token else ""
    if not token or not hmac.compare_digest(given.encode(), expected.encode()):
        return _refuse(403, "bad X-Twilio-Signature")
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    status = params.get("MessageStatus") or params.get("SmsStatus") or ""
    if not sid:
        return _refuse(400, "no MessageSid")
    # Twilio signs no timestamp: a replay is caught by the event id (sid + status).
    if status in ("", "received") and params.get("Body") is not None and params.get("From"):
        channel = Channel.WHATSAPP if params["From"].startswith("whatsapp:") else Channel.SMS
        event = (
            "twilio",
            f"message:{sid}",
            "inbound",
            {"channel": channel, "id": sid, "from": params["From"], "body": params["Body"]},
            None,
        )
    else:
        error = params.get("ErrorCode", "")
        event = (
            "twilio",
            f"status:{sid}:{status}",
            "status",
            {"id": sid, "status": status, "error": f"Twilio error {error}" if error else ""},
            None,
        )
    response = _store([event])
    if response.status_code == 200:  # Twilio wants TwiML (or nothing) back
        return HttpResponse("<Response/>", content_type="text/xml")
    return response


# --- MSG91 delivery reports --------------------------------------------------------------

#: MSG91 report status codes: 1 delivered, 2 failed, 9 NDNC, 16 rejected, 17 blocked, 25/26 ...
MSG91_STATUS = {"1": "delivered", "2": "failed", "9": "failed", "16": "failed", "17": "failed"}


@csrf_exempt
@require_POST
def msg91(request: HttpRequest, token: str) -> HttpResponse:
    secret = settings.MSG91_WEBHOOK_TOKEN
    if not secret or not hmac.compare_digest(token.encode(), secret.encode()):
        return _refuse(403, "bad webhook token")
    try:
        payload = json.loads(request.body[:MAX_BODY] or b"{}")
    except ValueError:
        return _refuse(400, "not JSON")
    reports = payload.get("data") if isinstance(payload, dict) else payload
    events = []
    for item in reports if isinstance(reports, list) else []:
        request_id = str((item or {}).get("requestId", ""))
        for report in item.get("report") or []:
            code = str(report.get("status", ""))
            status = MSG91_STATUS.get(code, "")
            at = (
                _from_iso(str(report.get("date", "")).replace(" ", "T"))
                if report.get("date")
                else None
            )
            events.append(
                (
                    "msg91",
                    f"status:{request_id}:{report.get('number', '')}:{code}",
                    "status",
                    {"id": request_id, "status": status, "error": report.get("desc", "")},
                    at,
                )
            )
    return _store(events)


# --- Postmark ----------------------------------------------------------------------------


def _basic_auth_ok(request: HttpRequest, user: str, password: str) -> bool:
    if not user or not password:
        return False
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        given = base64.b64decode(header[6:]).decode()
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(given.encode(), f"{user}:{password}".encode())


#: Bounce types after which the address is undeliverable (Postmark's Type field).
HARD_BOUNCES = frozenset(
    {"HardBounce", "BadEmailAddress", "SpamNotification", "ManuallyDeactivated"}
)


@csrf_exempt
@require_POST
def postmark(request: HttpRequest) -> HttpResponse:
    if not _basic_auth_ok(
        request, settings.POSTMARK_WEBHOOK_USER, settings.POSTMARK_WEBHOOK_PASSWORD
    ):
        return _refuse(403, "bad credentials")
    try:
        data = json.loads(request.body[:MAX_BODY] or b"{}")
    except ValueError:
        return _refuse(400, "not JSON")
    if not isinstance(data, dict):
        return _refuse(400, "not an object")
    kind = data.get("RecordType", "")
    message_id = str(data.get("MessageID", ""))
    if kind == "Delivery":
        at = _from_iso(data.get("DeliveredAt"))
        event = ("postmark", f"delivery:{message_id}", "status",
                 {"id": message_id, "status": "delivered"}, at)  # fmt: skip
    elif kind == "SpamComplaint" or (kind == "Bounce" and data.get("Type") in HARD_BOUNCES):
        at = _from_iso(data.get("BouncedAt"))
        reason = "spam complaint" if kind == "SpamComplaint" else str(data.get("Type"))
        event = (
            "postmark",
            f"{kind.lower()}:{data.get('ID', message_id)}",
            "bounce",
            {"id": message_id, "address": data.get("Email", ""), "reason": reason},
            at,
        )
    else:
        return _summary(0, 0, 0)  # soft bounces, opens, clicks: nothing to do
    return _store([event])
