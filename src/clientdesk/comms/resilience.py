"""How every provider adapter talks HTTP: timeouts, retries with exponential backoff and full
jitter for retryable errors only, 429 Retry-After respected, and a circuit breaker per
provider.

The standard library's ``urllib.request`` is the client (no HTTP library is a runtime
dependency of the project; docs/decisions/providers.md).

- Retryable: connection errors, timeouts, HTTP 408, 425, 429 and 5xx. They are retried
  ``COMMS_HTTP_RETRIES`` times inside one delivery attempt, waiting
  ``uniform(0, COMMS_HTTP_BACKOFF * 2**n)`` seconds (full jitter); a 429's ``Retry-After``
  is waited for when it is at most ``COMMS_HTTP_RETRY_AFTER_MAX`` seconds, otherwise the
  attempt ends and the outbox schedules the next one no earlier than it says.
- Permanent (any other 4xx): returned at once to the adapter, which reads the vendor's
  error and decides.
- The breaker opens after ``COMMS_BREAKER_THRESHOLD`` consecutive retryable failures of a
  provider and refuses calls (a retryable ``DeliveryError``) for ``COMMS_BREAKER_COOLDOWN``
  seconds; then one trial call goes through (half open) and closes it on success. The state
  is per process (each worker has its own breaker).
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

RETRYABLE_STATUS = frozenset({408, 425, 429})


class DeliveryError(Exception):
    """A send that failed; ``permanent`` when a retry cannot help, ``retry_after`` (seconds)
    when the provider said how long to wait."""

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return {}

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Breaker:
    failures: int = 0
    opened_at: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def state(self, now: float) -> str:
        if self.opened_at is None:
            return "closed"
        if now - self.opened_at >= settings.COMMS_BREAKER_COOLDOWN:
            return "half-open"
        return "open"

    def before(self, provider: str, now: float) -> None:
        with self.lock:
            if self.state(now) == "open":
                wait = settings.COMMS_BREAKER_COOLDOWN - (now - (self.opened_at or now))
                raise DeliveryError(
                    f"{provider}: circuit open after {self.failures} failures; "
                    f"calls resume in {wait:.0f} s",
                    retry_after=max(wait, 1.0),
                )

    def success(self) -> None:
        with self.lock:
            self.failures, self.opened_at = 0, None

    def failure(self, now: float) -> None:
        with self.lock:
            self.failures += 1
            if self.failures >= settings.COMMS_BREAKER_THRESHOLD or self.opened_at is not None:
                self.opened_at = now


breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker(provider: str) -> Breaker:
    with _breakers_lock:
        return breakers.setdefault(provider, Breaker())


def circuit_states() -> dict[str, str]:
    now = time.monotonic()
    return {name: b.state(now) for name, b in sorted(breakers.items())}


def _retry_after(headers: Mapping[str, str]) -> float | None:
    raw = (headers.get("Retry-After") or "").strip()
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return None  # an HTTP date: treated as "unknown", the backoff applies


def request(
    provider: str,
    method: str,
    url: str,
    *,
    data: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Response:
    """One call with retries; returns the response (2xx or a permanent 4xx) or raises a
    retryable ``DeliveryError`` when every try failed or the circuit is open."""
    if not url.startswith(("http://", "https://")):
        raise DeliveryError(f"{provider}: URL must be http(s): {url!r}", permanent=True)
    state = breaker(provider)
    state.before(provider, time.monotonic())
    retries = max(settings.COMMS_HTTP_RETRIES, 0)
    last: DeliveryError | None = None
    for attempt in range(retries + 1):
        if attempt:
            wait = (last.retry_after if last and last.retry_after is not None else None) or (
                random.uniform(0, settings.COMMS_HTTP_BACKOFF * 2 ** (attempt - 1))
            )
            sleep(wait)
        try:
            response = _once(method, url, data, headers or {}, timeout)
        except DeliveryError as exc:
            last = exc
            continue
        if response.ok or (response.status < 500 and response.status not in RETRYABLE_STATUS):
            state.success()
            return response
        after = _retry_after(response.headers) if response.status == 429 else None
        last = DeliveryError(
            f"{provider}: HTTP {response.status}" + (f", retry after {after:g} s" if after else ""),
            retry_after=after,
        )
        if after is not None and after > settings.COMMS_HTTP_RETRY_AFTER_MAX:
            break  # too long to wait inside one attempt: the outbox waits instead
    state.failure(time.monotonic())
    assert last is not None
    raise last


def _once(
    method: str, url: str, data: bytes | None, headers: Mapping[str, str], timeout: float
) -> Response:
    req = urllib.request.Request(url, data=data, headers=dict(headers), method=method)  # noqa: S310 - scheme checked
    try:
        with urllib.request.urlopen(req, timeout=timeout) as reply:  # noqa: S310
            return Response(reply.status, dict(reply.headers.items()), reply.read(1 << 20))
    except urllib.error.HTTPError as exc:
        body = exc.read(1 << 16) if exc.fp else b""
        return Response(exc.code, dict(exc.headers.items()) if exc.headers else {}, body)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise DeliveryError(f"timed out after {timeout:g} s") from exc
        raise DeliveryError(f"unreachable: {exc.reason}") from exc
    except TimeoutError as exc:
        raise DeliveryError(f"timed out after {timeout:g} s") from exc
    except OSError as exc:
        raise DeliveryError(f"connection failed: {exc}") from exc
