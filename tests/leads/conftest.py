"""Lead fixtures: valid lead data, ``make_lead`` (through the service) and ``walk_to``."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from clientdesk.leads import services
from clientdesk.leads.models import Lead, LeadStatus

S = LeadStatus
_numbers = itertools.count(1)

# The shortest manual path from New to each status.
PATHS: dict[str, list[str]] = {
    S.NEW: [],
    S.CONTACTED: [S.CONTACTED],
    S.FOLLOWUP_SCHEDULED: [S.FOLLOWUP_SCHEDULED],
    S.FOLLOWUP_COMPLETE: [S.FOLLOWUP_SCHEDULED, S.FOLLOWUP_COMPLETE],
    S.DOCUMENTS_COLLECTED: [S.DOCUMENTS_COLLECTED],
    S.SENT_TO_HO: [S.DOCUMENTS_COLLECTED, S.SENT_TO_HO],
    S.DOCUMENTS_VERIFIED: [S.DOCUMENTS_COLLECTED, S.SENT_TO_HO, S.DOCUMENTS_VERIFIED],
    S.REJECTED: [S.DOCUMENTS_COLLECTED, S.SENT_TO_HO, S.REJECTED],
    S.ACCOUNT_OPENED: [
        S.DOCUMENTS_COLLECTED,
        S.SENT_TO_HO,
        S.DOCUMENTS_VERIFIED,
        S.ACCOUNT_OPENED,
    ],
    S.ACCOUNT_ACTIVATED: [
        S.DOCUMENTS_COLLECTED,
        S.SENT_TO_HO,
        S.DOCUMENTS_VERIFIED,
        S.ACCOUNT_OPENED,
        S.ACCOUNT_ACTIVATED,
    ],
}


def lead_data(n: int | None = None, **overrides: Any) -> dict[str, Any]:
    """A valid lead with a mobile and email no other call produces."""
    n = next(_numbers) if n is None else n
    data: dict[str, Any] = {
        "first_name": "Ravi",
        "last_name": f"Lead{n}",
        "mobile": f"97{n:08d}",
        "email": f"lead{n}@example.com",
        "source": "website",
        "category": "direct",
        "account_type": "individual",
        "city": "Pune",
        "state": "Maharashtra",
        "postal_code": "411001",
        "country": "IN",
    }
    data.update(overrides)
    return data


def walk_to(lead: Lead, status: str, *, actor: Any) -> Lead:
    for step in PATHS[status]:
        lead = services.change_lead_status(lead, actor=actor, to_status=step)
    return lead


def make_lead(
    *,
    actor: Any,
    status: str | None = None,
    created_at: dt.datetime | None = None,
    **overrides: Any,
) -> Lead:
    lead = services.create_lead(actor=actor, data=lead_data(**overrides), created_at=created_at)
    return walk_to(lead, status, actor=actor) if status else lead


@pytest.fixture
def lead_factory(admin_user: Any) -> Callable[..., Lead]:
    """``lead_factory(owner=user, status="sent_to_ho")``: made by an Admin."""

    def make(**kwargs: Any) -> Lead:
        kwargs.setdefault("actor", admin_user)
        return make_lead(**kwargs)

    return make


@pytest.fixture
def lead(lead_factory: Callable[..., Lead], sales_user: Any) -> Lead:
    """A New lead owned by ``sales_user``."""
    return lead_factory(owner=sales_user)


@pytest.fixture
def nav_queries() -> Callable[[Any], int]:
    """``nav_queries(user)``: queries the sidebar's badges cost on every page.

    Other modules register badges (tasks due, notifications ...), so the pinned counts of the
    lead pages are "own queries + this", and a new badge elsewhere does not break them.
    """
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from clientdesk.core.context_processors import navigation
    from clientdesk.core.permissions import access_map

    def count(user: Any) -> int:
        user = type(user).objects.get(pk=user.pk)  # fresh: nothing cached on the instance
        request = RequestFactory().get("/")
        request.user = user
        access_map(user)  # the page has loaded it already
        with CaptureQueriesContext(connection) as ctx:
            navigation(request)
        return len(ctx.captured_queries)

    return count
