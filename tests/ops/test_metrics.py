"""/metrics: protected, request latency by view, task queue depth and failures, intake rows,
outbox backlog, heartbeats; and the numbers of several processes added up (multiprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from clientdesk.comms.services import queue_customer_message
from clientdesk.ops import metrics
from clientdesk.ops.heartbeat import beat
from clientdesk.transactions.intake import intake_transactions

pytestmark = pytest.mark.django_db
TOKEN = "scrape-token-0123456789abcdef"


@pytest.fixture
def scraper(settings: Any) -> Client:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    return Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")


def samples(response: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    assert response.status_code == 200, response.content
    found = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_need_the_token_or_an_allowed_address(settings: Any) -> None:
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = TOKEN, []
    assert Client().get("/metrics").status_code == 403
    assert Client(HTTP_AUTHORIZATION="Bearer wrong").get("/metrics").status_code == 403
    assert Client(HTTP_AUTHORIZATION=f"Bearer {TOKEN}").get("/metrics").status_code == 200
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", ["10.0.0.0/8"]
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="192.168.1.9").get("/metrics").status_code == 403
    settings.METRICS_ALLOWED_IPS = []  # production default: nothing configured, no access
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 403


def test_request_latency_is_observed_by_view_name(
    scraper: Client, client_for: Any, manager: Any
) -> None:
    before = samples(scraper.get("/metrics"))
    key = {"view": "customers:list", "method": "GET", "status": "2xx"}
    client_for(manager).get("/customers/")
    client_for(manager).get("/customers/")
    Client().get("/no-such-page/")
    after = samples(scraper.get("/metrics"))
    name = "clientdesk_http_request_duration_seconds_count"
    assert value(after, name, **key) - value(before, name, **key) == 2
    lost = {"view": "<unresolved>", "method": "GET", "status": "4xx"}
    assert value(after, name, **lost) - value(before, name, **lost) == 1
    assert value(after, "clientdesk_http_request_duration_seconds_sum", **key) > 0


def test_transaction_intake_rows_are_counted(
    scraper: Client, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from factories import make_customer

    from clientdesk.customers.models import Customer

    who = make_customer(actor=admin_user)
    Customer.objects.filter(pk=who.pk).update(status="active")
    rows = [_row(who, "OPS-T1"), _row(who, "OPS-T2"), {"transaction_id": "broken"}]
    before = samples(scraper.get("/metrics"))
    with django_capture_on_commit_callbacks(execute=True):
        intake_transactions(rows, actor=admin_user)
        intake_transactions(rows[:1], actor=admin_user)  # the same again: existing
    after = samples(scraper.get("/metrics"))
    name = "clientdesk_transaction_intake_rows_total"
    assert value(after, name, outcome="created") - value(before, name, outcome="created") == 2
    assert value(after, name, outcome="rejected") - value(before, name, outcome="rejected") == 1
    assert value(after, name, outcome="existing") - value(before, name, outcome="existing") == 1


def _row(who: Any, tid: str) -> dict[str, Any]:
    from django.utils import timezone

    return {
        "transaction_id": tid,
        "customer": who.client_id,
        "occurred_at": timezone.now().isoformat(),
        "amount": "1000.00",
        "currency": "INR",
        "type": "deposit",
    }


def test_outbox_backlog_counts_queued_messages(scraper: Client, admin_user: Any) -> None:
    from factories import make_customer

    customer = make_customer(actor=admin_user)
    queue_customer_message(
        customer, actor=admin_user, event="kyc_approved", context={}, channel="sms"
    )
    queue_customer_message(
        customer, actor=admin_user, event="kyc_approved", context={}, channel="email"
    )
    found = samples(scraper.get("/metrics"))
    assert value(found, "clientdesk_outbox_queued", channel="sms") == 1
    assert value(found, "clientdesk_outbox_queued", channel="email") == 1


def test_task_queue_depth_and_failures_on_the_database_backend(
    scraper: Client, settings: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from clientdesk.ops.tasks import heartbeat

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    for _ in range(3):
        heartbeat.enqueue()
    DBTaskResult.objects.filter(pk=DBTaskResult.objects.first().pk).update(status="FAILED")  # type: ignore[union-attr]
    found = samples(scraper.get("/metrics"))
    assert value(found, "clientdesk_tasks_queued", queue="default") == 2
    assert value(found, "clientdesk_tasks_failed", queue="default") == 1


def test_heartbeats_are_exposed(scraper: Client) -> None:
    beat("scheduler")
    found = samples(scraper.get("/metrics"))
    assert value(found, "clientdesk_heartbeat_timestamp_seconds", process="scheduler") > 1.7e9


def test_counts_of_several_processes_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    """Two processes count intake rows into PROMETHEUS_MULTIPROC_DIR (as gunicorn workers
    would); a third, scraping, reports their sum."""
    multiproc = tmp_path / "prom"
    multiproc.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(multiproc), "CLIENTDESK_ENV": "test"}
    count = textwrap.dedent(
        """
        import sys
        from clientdesk.ops import metrics
        metrics.count_intake(int(sys.argv[1]), 0, 0, 0)
        """
    )
    for n in ("3", "4"):
        subprocess.run([sys.executable, "-c", count, n], env=env, check=True)
    scrape = textwrap.dedent(
        """
        import django; django.setup()
        from prometheus_client import generate_latest
        from clientdesk.ops.metrics import DatabaseCollector, registry
        reg = registry()
        reg.unregister(next(c for c in reg._collector_to_names if isinstance(c, DatabaseCollector)))
        print(generate_latest(reg).decode())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", scrape], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert 'clientdesk_transaction_intake_rows_total{outcome="created"} 7.0' in out
    assert len(list(multiproc.glob("counter_*.db"))) == 2  # one file per counting process
    assert metrics.PROCESS_METRICS  # the in-process metrics this mode aggregates
