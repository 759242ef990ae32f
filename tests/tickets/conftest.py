"""Fixtures for the ticket tests: Support users, a ticket maker, a frozen clock, a private
media root and a stand-in for the comms outbox."""

from __future__ import annotations

import datetime as dt
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone
from factories import make_customer

from clientdesk.tickets import services
from clientdesk.tickets.models import Ticket, TicketSubject

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday morning


class Clock:
    """``timezone.now`` under the test's control."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def set(self, now: dt.datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock(START)
    monkeypatch.setattr(timezone, "now", lambda: frozen.now)
    return frozen


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    """Every test stores attachments under its own temporary directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SITE_URL = "https://desk.example.com"
    return tmp_path / "media"


@dataclass
class Outbox:
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __call__(
        self, customer: Any, *, actor: Any, event: str, context: dict, channel: Any = None
    ) -> None:
        self.calls.append(
            {
                "customer": customer,
                "actor": actor,
                "event": event,
                "context": context,
                "channel": channel,
            }
        )

    def events(self) -> list[str]:
        return [c["event"] for c in self.calls]


@pytest.fixture(autouse=True)
def outbox(monkeypatch: pytest.MonkeyPatch) -> Outbox:
    """Stand-in for ``clientdesk.comms.services.queue_customer_message`` (autouse so that no
    test sends through the real outbox by accident)."""
    fake = Outbox()
    try:
        import clientdesk.comms.services as comms_services
    except ImportError:
        module = types.ModuleType("clientdesk.comms.services")
        module.queue_customer_message = fake  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "clientdesk.comms.services", module)
    else:
        monkeypatch.setattr(comms_services, "queue_customer_message", fake, raising=False)
    return fake


@pytest.fixture
def support2(user_factory: Callable[..., Any]) -> Any:
    return user_factory("support", username="support2")


@pytest.fixture
def support3(user_factory: Callable[..., Any]) -> Any:
    return user_factory("support", username="support3")


@pytest.fixture
def subject(db: None) -> TicketSubject:
    return TicketSubject.objects.get(name="Login issue")


def ticket_data(customer: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "customer": customer,
        # get_or_create: a transactional test's flush removes the migration's default rows
        "subject": TicketSubject.objects.get_or_create(name="Login issue")[0],
        "source": "on_call",
        "description": "Cannot log in to the trading app since the update.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_ticket(manager: Any) -> Callable[..., Ticket]:
    """``make_ticket(customer, actor=..., **fields)`` through the service."""

    def make(customer: Any, *, actor: Any = None, **overrides: Any) -> Ticket:
        return services.create_ticket(
            actor=actor or manager, data=ticket_data(customer, **overrides)
        )

    return make


@pytest.fixture
def ticket(customer: Any, support_user: Any, make_ticket: Callable[..., Ticket]) -> Ticket:
    """A Medium ticket assigned to ``support_user``, opened by the manager."""
    return make_ticket(customer, assignees=[support_user])


@pytest.fixture
def other_customer(admin_user: Any) -> Any:
    return make_customer(actor=admin_user, first_name="Ravi", last_name="Shah")
