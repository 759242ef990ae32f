"""A local webhook receiver (a real HTTP server on 127.0.0.1) that checks every request the
way the Standard Webhooks specification describes, and an endpoint pointing at it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache

from clientdesk.webhooks import events, services
from clientdesk.webhooks.models import EventType, WebhookEndpoint

TOLERANCE = 5 * 60  # the specification's suggested tolerance for webhook-timestamp


def spec_verify(
    secret: str, headers: dict[str, str], body: bytes, now: float | None = None
) -> bool:
    """Verify exactly as the specification says, independently of the code under test:
    base64-decode the part after ``whsec_``, HMAC-SHA256 over ``id.timestamp.body``, base64,
    compare (constant time) with each space-separated ``v1,`` signature; refuse timestamps
    outside the tolerance."""
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE:
        return False
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for versioned in headers["webhook-signature"].split(" "):
        version, _, signature = versioned.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True
    return False


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str = ""
    status: int = 200
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answered in order, then ``status``

    def next_status(self) -> int:
        return self.statuses.pop(0) if self.statuses else self.status


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            state.requests.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.next_status())
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _fresh_subscriptions(settings: Any) -> Iterator[None]:
    """No test sees another's cached subscriptions; local receivers are allowed."""
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOKS_TIMEOUT = 5
    cache.delete(events.CACHE_KEY)
    yield
    cache.delete(events.CACHE_KEY)


@pytest.fixture
def make_endpoint(admin_user: Any, receiver: Receiver) -> Callable[..., WebhookEndpoint]:
    def make(**data: Any) -> WebhookEndpoint:
        data.setdefault("url", receiver.url)
        data.setdefault("events", list(EventType.values))
        data.setdefault("description", "Core banking")
        return services.create_endpoint(actor=admin_user, data=data)

    return make
