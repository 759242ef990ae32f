"""/healthz and /readyz: JSON, no sign-in, 200 or 503, nothing sensitive."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone

from clientdesk.ops import health
from clientdesk.ops.heartbeat import beat
from clientdesk.ops.models import Heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh(settings: Any, tmp_path: Any) -> None:
    """The database task backend, a scheduler and a worker that beat just now."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TASKS_BACKEND = "database"
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    beat("scheduler")
    beat("worker")


def test_healthz_answers_without_the_database(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["X-Request-ID"]


def test_readyz_is_ready_when_everything_answers(fresh: None) -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["redis"] == {"status": "not configured"}
    assert body["checks"]["storage"] == {"status": "ok"}
    assert body["checks"]["queue"]["depth"] == 0
    assert body["checks"]["scheduler"]["status"] == "ok"
    assert body["checks"]["worker"]["status"] == "ok"


def test_readyz_fails_without_the_database(fresh: None) -> None:
    def broken() -> dict[str, Any]:
        raise DatabaseError("host db.internal:5432 password=x")

    with mock.patch.dict(health.CHECKS, {"database": broken}):
        response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"status": "fail"}
    assert body["checks"]["scheduler"] == {"status": "unknown"}
    assert "db.internal" not in response.content.decode()  # details go to the log only


def test_readyz_fails_when_redis_is_configured_but_down(fresh: None, settings: Any) -> None:
    settings.CACHE_BACKEND = "redis"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == {"status": "fail"}


def test_readyz_reports_real_redis(fresh: None, settings: Any) -> None:
    settings.CACHE_BACKEND = "redis"
    response = Client().get("/readyz")
    if response.json()["checks"]["redis"]["status"] != "ok":
        pytest.skip("the local Redis is not running")
    assert response.status_code == 200


def test_readyz_fails_when_storage_is_not_writable(
    fresh: None, settings: Any, tmp_path: Any
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    settings.MEDIA_ROOT = str(blocker / "media")  # under a file: cannot be created
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == {"status": "fail"}


def test_stale_scheduler_and_worker_are_reported_not_failing(fresh: None) -> None:
    old = timezone.now() - dt.timedelta(hours=1)
    Heartbeat.objects.update(at=old)
    response = Client().get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["scheduler"]["status"] == "stale"
    assert body["checks"]["scheduler"]["age_seconds"] >= 3599
    assert body["checks"]["worker"]["status"] == "stale"


def test_background_checks_fail_the_probe_when_required(fresh: None, settings: Any) -> None:
    settings.READYZ_REQUIRED = ["database", "scheduler", "worker", "queue"]
    Heartbeat.objects.filter(name="worker").delete()
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == {
        "status": "never seen",
        "age_seconds": None,
        "limit": 300,
    }


def test_queue_depth_counts_waiting_tasks(fresh: None, settings: Any) -> None:
    from clientdesk.ops.tasks import heartbeat as heartbeat_task

    settings.READYZ_MAX_QUEUE_DEPTH = 2
    for _ in range(3):
        heartbeat_task.enqueue()
    body = Client().get("/readyz").json()
    assert body["checks"]["queue"] == {"status": "high", "depth": 3, "limit": 2}


def test_run_schedule_and_worker_record_heartbeats(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The scheduler beats after each pass; the heartbeat task (run by a worker; here the
    immediate backend) beats for the worker."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_schedule", stdout=mock.MagicMock())
    names = set(Heartbeat.objects.values_list("name", flat=True))
    assert names == {"scheduler", "worker"}  # ops.heartbeat was due and ran at once


def test_probes_need_no_sign_in_and_leak_nothing(fresh: None, settings: Any) -> None:
    for url in ("/healthz", "/readyz"):
        response = Client().get(url)
        assert response["Content-Type"] == "application/json"
        text = json.dumps(response.json())
        for secret in (settings.SECRET_KEY, settings.DATABASES["default"]["NAME"], "redis://"):
            assert str(secret) not in text
    assert Client().post("/readyz").status_code == 405
