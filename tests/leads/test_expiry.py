"""The expiry job, with a frozen clock: 60 days to open, 30 more days to activate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from clientdesk.activities.models import Kind
from clientdesk.activities.services import timeline
from clientdesk.core import schedule
from clientdesk.core.models import AuditEvent
from clientdesk.leads import services, tasks
from clientdesk.leads.models import Lead, LeadStatus

pytestmark = pytest.mark.django_db

S = LeadStatus
NOW = dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC)


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def opened(lead: Lead, when: dt.datetime) -> None:
    Lead.objects.filter(pk=lead.pk).update(account_opened_at=when)


@pytest.fixture
def population(lead_factory: Callable[..., Lead]) -> dict[str, Lead]:
    leads = {
        "fresh": lead_factory(created_at=ago(59)),
        "stale": lead_factory(created_at=ago(60)),
        "stale_rejected": lead_factory(created_at=ago(90), status=S.REJECTED),
        "stale_verified": lead_factory(created_at=ago(61), status=S.DOCUMENTS_VERIFIED),
        "opened_recently": lead_factory(created_at=ago(100), status=S.ACCOUNT_OPENED),
        "opened_long_ago": lead_factory(created_at=ago(100), status=S.ACCOUNT_OPENED),
        "activated": lead_factory(created_at=ago(200), status=S.ACCOUNT_ACTIVATED),
    }
    opened(leads["opened_recently"], ago(29))
    opened(leads["opened_long_ago"], ago(30))
    opened(leads["activated"], ago(150))
    return leads


def statuses(leads: dict[str, Lead]) -> dict[str, str]:
    return {name: Lead.objects.get(pk=lead.pk).status for name, lead in leads.items()}


def test_expiry_rules(population: dict[str, Lead]) -> None:
    counts = services.expire_leads(now=NOW)
    assert counts == {S.EXPIRED: 3, S.EXPIRED_OPENED: 1}
    assert statuses(population) == {
        "fresh": S.NEW,
        "stale": S.EXPIRED,
        "stale_rejected": S.EXPIRED,
        "stale_verified": S.EXPIRED,
        "opened_recently": S.ACCOUNT_OPENED,
        "opened_long_ago": S.EXPIRED_OPENED,
        "activated": S.ACCOUNT_ACTIVATED,
    }


def test_expiry_is_logged_as_the_system(population: dict[str, Lead]) -> None:
    services.expire_leads(now=NOW)
    lead = population["opened_long_ago"]
    change = lead.status_changes.get(to_status=S.EXPIRED_OPENED)
    assert (change.from_status, change.to_status, change.actor) == (
        S.ACCOUNT_OPENED,
        S.EXPIRED_OPENED,
        None,
    )
    assert change.created_at == NOW and "30 days" in change.note
    event = AuditEvent.objects.filter(object_id=str(lead.pk), action="status_change").first()
    assert event.actor is None and event.actor_label == "system"
    assert event.changes["status"] == {"old": S.ACCOUNT_OPENED, "new": S.EXPIRED_OPENED}
    activity = timeline(lead).get(created_at=NOW)
    assert activity.kind == Kind.STATUS_CHANGE and activity.actor is None


def test_expiry_runs_twice_without_effect(population: dict[str, Lead]) -> None:
    services.expire_leads(now=NOW)
    before = AuditEvent.objects.count()
    assert services.expire_leads(now=NOW + dt.timedelta(hours=1)) == {
        S.EXPIRED: 0,
        S.EXPIRED_OPENED: 0,
    }
    assert AuditEvent.objects.count() == before


def test_expired_leads_are_final(population: dict[str, Lead], admin_user: Any) -> None:
    services.expire_leads(now=NOW)
    lead = Lead.objects.get(pk=population["stale"].pk)
    assert lead.allowed_transitions() == []


def test_periods_come_from_settings(population: dict[str, Lead], settings: Any) -> None:
    settings.LEAD_EXPIRY_DAYS = 95
    settings.LEAD_OPENED_EXPIRY_DAYS = 10
    services.expire_leads(now=NOW)
    assert statuses(population) == {
        "fresh": S.NEW,
        "stale": S.NEW,
        "stale_rejected": S.REJECTED,
        "stale_verified": S.DOCUMENTS_VERIFIED,
        "opened_recently": S.EXPIRED_OPENED,
        "opened_long_ago": S.EXPIRED_OPENED,
        "activated": S.ACCOUNT_ACTIVATED,
    }


def test_small_batches_cover_everything(lead_factory: Callable[..., Lead]) -> None:
    for _ in range(5):
        lead_factory(created_at=ago(70))
    assert services.expire_leads(now=NOW, batch_size=2)[S.EXPIRED] == 5


def test_the_background_task_uses_the_clock(population: dict[str, Lead]) -> None:
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        result = tasks.expire_leads.enqueue()
    assert result.return_value == {S.EXPIRED: 3, S.EXPIRED_OPENED: 1}
    event = AuditEvent.objects.filter(action="status_change").first()
    assert event.source == "task"


def test_scheduled_daily() -> None:
    periodic = next(p for p in schedule.registered() if p.name == "leads.expire_leads")
    assert periodic.task is tasks.expire_leads
    assert periodic.every == dt.timedelta(days=1)


def test_schedule_enqueues_the_job(
    population: dict[str, Lead], django_capture_on_commit_callbacks: Any
) -> None:
    with (
        mock.patch("django.utils.timezone.now", return_value=NOW),
        django_capture_on_commit_callbacks(execute=True),
    ):
        fired = schedule.run_due(now=NOW)
    assert "leads.expire_leads" in fired
    assert Lead.objects.get(pk=population["stale"].pk).status == S.EXPIRED
    assert timezone.now() != NOW
