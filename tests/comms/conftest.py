"""Fixtures for messages: a real SMTP server, a real HTTP gateway, a frozen clock.

Both servers listen on 127.0.0.1 only, on a port the OS picks, and stop after the test.
"""

from __future__ import annotations

import datetime as dt
import email
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from clientdesk.comms import providers


@pytest.fixture(autouse=True)
def _comms_defaults(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Messages to the in-memory outbox; the file provider (when chosen) under tmp_path."""
    settings.COMMS_OUTBOX_DIR = tmp_path / "outbox"
    settings.COMMS_RETRY_DELAYS = [60, 300, 1500]
    settings.COMMS_MAX_ATTEMPTS = 4
    providers.outbox.clear()
    yield
    providers.outbox.clear()


@pytest.fixture
def integration(user_factory: Any) -> Any:
    """A provider's service account: the Integration role, which may post receipts."""
    return user_factory("integration", username="sms-relay")


# --- a frozen clock ----------------------------------------------------------------------


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs: float) -> dt.datetime:
        self.now += dt.timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """``timezone.now()`` frozen at 11 Jun 2024 10:00 IST until ``clock.advance(...)``."""
    frozen = Clock(timezone.make_aware(dt.datetime(2024, 6, 11, 10, 0)))
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


# --- a real SMTP server ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpHandler:
    received: list[Any] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refuse"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "message": email.message_from_bytes(envelope.content),
            }
        )
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    host: str
    port: int
    handler: SmtpHandler

    @property
    def received(self) -> list[Any]:
        return self.handler.received


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    """aiosmtpd on 127.0.0.1; Django's SMTP backend pointed at it."""
    handler = SmtpHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield SmtpServer("127.0.0.1", port, handler)
    finally:
        controller.stop()


# --- a real HTTP gateway -----------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: dict[str, Any] = field(default_factory=lambda: {"id": "gw-1"})
    delay: float = 0.0


class Gateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.script: list[Reply] = []
        self.requests: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/send"

    def reply(self, *replies: Reply) -> None:
        self.script.extend(replies)


class GatewayHandler(BaseHTTPRequestHandler):
    server: Gateway

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        payload = json.loads(self.rfile.read(length) or b"{}")
        self.server.requests.append({"headers": dict(self.headers), "json": payload})
        reply = self.server.script.pop(0) if self.server.script else Reply()
        if reply.delay:
            time.sleep(reply.delay)
        data = json.dumps(reply.body).encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout test)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(settings: Any) -> Iterator[Gateway]:
    """A local HTTP gateway; SMS goes to it through the generic HTTP provider."""
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.COMMS_CHANNELS = {
        **settings.COMMS_CHANNELS,
        "sms": {
            "provider": "http",
            "url": server.url,
            "token": "s3cret-token",
            "auth_header": "Authorization",
            "auth_scheme": "Bearer",
            "timeout": 0.5,
        },
    }
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
