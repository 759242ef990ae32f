"""Provider adapters: how a message leaves the building, one per channel, chosen by settings.

``settings.COMMS_CHANNELS[channel]["provider"]`` names the adapter:

- ``email``  Django's email API (``EMAIL_BACKEND``: SMTP in production, a file under
             var/outbox/email in development, when the message is "Not sent").
- ``postmark`` Postmark's email API; ``twilio`` and ``msg91`` for SMS; ``whatsapp_cloud``
             (Meta's WhatsApp Business Cloud API); ``fcm`` (Firebase Cloud Messaging HTTP
             v1) for push: in ``vendors`` (each call through ``resilience.request``).
- ``http``   a generic HTTP gateway: POST JSON to ``url`` with an auth header; any SMS,
             WhatsApp or push service with a webhook-style API (or a small relay in front of
             one) fits.
- ``file``   JSON lines under ``COMMS_OUTBOX_DIR`` (var/outbox/<channel>.jsonl): the
             development default for SMS, WhatsApp and push; its messages are kept as
             "Not sent (development backend)", never "Sent".
- ``memory`` kept in ``providers.outbox`` (the test default, like ``mail.outbox``).
- ``in_app`` nothing leaves: the message is stored for the customer's app, which reads it
             through the API; delivered at once.

An adapter returns ``Sent`` (with the provider's id for the message) or raises
``DeliveryError`` (``permanent=True`` when a retry cannot help, e.g. the gateway refused the
number). Delivered / read / failed come later, from the provider's webhooks (``inbound``).
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from .resilience import DeliveryError

__all__ = ["DeliveryError", "Outgoing", "Provider", "Sent", "for_channel"]

log = logging.getLogger(__name__)
DEVELOPMENT_EMAIL_BACKENDS = (
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.console.EmailBackend",
)


@dataclass(frozen=True)
class Outgoing:
    message_id: int
    channel: str
    event: str
    to: str
    subject: str
    body: str
    client_id: str
    # WhatsApp: an approved template and its parameters; SMS (India): the DLT template id.
    provider_template: str = ""
    template_language: str = "en"
    template_params: tuple[str, ...] = ()
    dlt_template_id: str = ""
    # WhatsApp: whether the customer wrote within the last 24 hours (free text allowed).
    window_open: bool = False
    # Push: the customer's registered device tokens.
    device_tokens: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Sent:
    provider_message_id: str = ""
    delivered: bool = False  # True when the provider confirms delivery at once (in-app)
    development: bool = False  # a development backend took it: nothing left the building


class Provider(Protocol):
    def send(self, message: Outgoing) -> Sent: ...


class EmailProvider:
    """Through ``django.core.mail``; SMTP errors become DeliveryErrors."""

    def send(self, message: Outgoing) -> Sent:
        domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "localhost"
        message_id = make_msgid(domain=domain)
        email = EmailMessage(
            subject=message.subject or settings.COMMS_SENDER_NAME,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={"Message-ID": message_id, "X-ClientDesk-Message": str(message.message_id)},
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"Recipient refused: {message.to}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            detail = f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}"
            raise DeliveryError(detail, permanent=permanent) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP error: {exc or type(exc).__name__}") from exc
        development = settings.EMAIL_BACKEND in DEVELOPMENT_EMAIL_BACKENDS
        return Sent(provider_message_id=message_id, development=development)


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


class HttpProvider:
    """POST the message as JSON; 2xx = accepted, 5xx/408/429/timeouts = retry, other 4xx = fail.

    The request carries ``Idempotency-Key: clientdesk-message-<id>`` so a gateway can drop
    the duplicate when a retry follows a timeout that it had in fact accepted.
    """

    RETRYABLE_4XX = frozenset({408, 425, 429})

    def __init__(
        self,
        url: str,
        *,
        token: str = "",
        auth_header: str = "Authorization",
        auth_scheme: str = "Bearer",
        timeout: float = 10.0,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise DeliveryError(f"Provider URL must be http(s): {url!r}", permanent=True)
        self.url, self.token, self.timeout = url, token, timeout
        self.auth_header, self.auth_scheme = auth_header, auth_scheme

    def _request(self, message: Outgoing) -> urllib.request.Request:
        payload = json.dumps(asdict(message)).encode()
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": f"clientdesk-message-{message.message_id}",
        }
        if self.token:
            headers[self.auth_header] = f"{self.auth_scheme} {self.token}".strip()
        return urllib.request.Request(self.url, data=payload, headers=headers, method="POST")  # noqa: S310 - scheme checked in __init__

    def send(self, message: Outgoing) -> Sent:
        try:
            with urllib.request.urlopen(self._request(message), timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(65536)
        except urllib.error.HTTPError as exc:
            permanent = 400 <= exc.code < 500 and exc.code not in self.RETRYABLE_4XX
            raise DeliveryError(f"HTTP {exc.code} from provider", permanent=permanent) from exc
        except urllib.error.URLError as exc:
            raise DeliveryError(f"Provider unreachable: {exc.reason}") from exc
        except TimeoutError as exc:
            raise DeliveryError(f"Provider timed out after {self.timeout:g} s") from exc
        except OSError as exc:
            raise DeliveryError(f"Provider connection failed: {exc}") from exc
        return _parse_reply(raw)


def _parse_reply(raw: bytes) -> Sent:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    provider_id = str(data.get("id") or data.get("message_id") or "")[:200]
    return Sent(provider_message_id=provider_id, delivered=data.get("status") == "delivered")


class FileProvider:
    """Appends one JSON line per message to ``<directory>/<channel>.jsonl``."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def send(self, message: Outgoing) -> Sent:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            line = json.dumps({**asdict(message), "at": timezone.now().isoformat()})
            with (self.directory / f"{message.channel}.jsonl").open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as exc:
            raise DeliveryError(f"Outbox file not writable: {exc}") from exc
        log.info("message %s (%s) written to the outbox", message.message_id, message.channel)
        return Sent(provider_message_id=f"file-{message.message_id}", development=True)


outbox: list[Outgoing] = []


class MemoryProvider:
    def send(self, message: Outgoing) -> Sent:
        outbox.append(message)
        return Sent(provider_message_id=f"memory-{message.message_id}")


class InAppProvider:
    def send(self, message: Outgoing) -> Sent:
        return Sent(provider_message_id=f"in-app-{message.message_id}", delivered=True)


def for_channel(channel: str) -> Provider:
    """The adapter configured for ``channel`` (a fresh one: settings may change in tests)."""
    channels: dict[str, dict[str, Any]] = getattr(settings, "COMMS_CHANNELS", {})
    config = channels.get(channel, {})
    kind = config.get("provider", "file")
    if kind == "email":
        return EmailProvider()
    if kind == "http":
        return HttpProvider(
            config.get("url", ""),
            token=config.get("token", ""),
            auth_header=config.get("auth_header", "Authorization"),
            auth_scheme=config.get("auth_scheme", "Bearer"),
            timeout=float(config.get("timeout", 10)),
        )
    from . import vendors

    if kind in vendors.ADAPTERS:
        return vendors.ADAPTERS[kind](config)
    if kind == "memory":
        return MemoryProvider()
    if kind == "in_app":
        return InAppProvider()
    if kind == "file":
        return FileProvider(settings.COMMS_OUTBOX_DIR)
    raise DeliveryError(f"Unknown provider “{kind}” for {channel}", permanent=True)
