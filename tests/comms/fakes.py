"""A local HTTP server that plays a vendor: scripted replies in the vendor's documented
format, every request recorded (method, path, headers, raw body). 127.0.0.1 only."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Scripted:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakeVendor(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script: list[Scripted] = []
        self.seen: list[Seen] = []
        # path prefix -> a function answering every request to it (e.g. an OAuth token URL)
        self.routes: dict[str, Callable[[Seen], Scripted]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def reply(self, *replies: Scripted) -> None:
        self.script.extend(replies)

    def requests_to(self, prefix: str) -> list[Seen]:
        return [s for s in self.seen if s.path.startswith(prefix)]


class _Handler(BaseHTTPRequestHandler):
    server: FakeVendor

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        seen = Seen("POST", self.path, dict(self.headers), self.rfile.read(length))
        self.server.seen.append(seen)
        route = next((fn for p, fn in self.server.routes.items() if self.path.startswith(p)), None)
        if route is not None:
            reply = route(seen)
        else:
            reply = self.server.script.pop(0) if self.server.script else Scripted()
        if reply.delay:
            time.sleep(reply.delay)
        data = json.dumps(reply.body).encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def running() -> Iterator[FakeVendor]:
    server = FakeVendor()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
