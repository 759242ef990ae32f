"""Fixtures for call logs: leads made directly (the leads app has its own factories), a
helper for intake rows."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from clientdesk.leads.models import Lead

_leads = itertools.count(1)


@pytest.fixture
def lead_factory(db: None) -> Callable[..., Lead]:
    """``lead_factory(mobile="+9199...", alt_mobile="", customer=None)`` -> a stored lead."""

    def make(mobile: str, alt_mobile: str = "", customer: Any = None, **extra: Any) -> Lead:
        n = next(_leads)
        return Lead.objects.create(
            first_name=extra.pop("first_name", f"Lead{n}"),
            last_name="Prospect",
            search_name=f"lead{n} prospect",
            mobile=mobile,
            alt_mobile=alt_mobile,
            source="website",
            created_at=timezone.now(),
            customer=customer,
            **extra,
        )

    return make


_device_ids = itertools.count(1)


def recent() -> dt.datetime:
    """A moment up to 10 minutes ago that is still today in the site's time zone."""
    now = timezone.localtime()
    since_midnight = now - now.replace(hour=0, minute=0, second=0, microsecond=0)
    return now - min(dt.timedelta(minutes=10), since_midnight / 2)


def row(**overrides: Any) -> dict[str, Any]:
    """One valid intake row: an outgoing, completed call a few minutes ago (today)."""
    data: dict[str, Any] = {
        "device_call_id": f"dev-{next(_device_ids)}",
        "direction": "outgoing",
        "from_number": "",
        "to_number": "9123456780",
        "started_at": recent().isoformat(),
        "duration_seconds": 95,
        "status": "completed",
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_row() -> Callable[..., dict[str, Any]]:
    return row
