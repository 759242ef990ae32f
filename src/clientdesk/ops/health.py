"""Probes for a load balancer or orchestrator: ``/healthz`` (alive) and ``/readyz`` (ready).

Both answer JSON without signing in and without anything sensitive: check names, "ok" or
"fail", ages and counts; never a host name, an error text or a setting. A failing check's
reason is logged on the server instead.

``/readyz`` answers 503 when a check in ``READYZ_REQUIRED`` fails (default: database, redis,
storage: what a web process needs to serve). The background checks (scheduler tick, worker
heartbeat, queue depth) are reported as "stale"/"high" without failing the probe unless
listed there too: a load balancer that drops every web process because the scheduler
stopped would turn a background problem into an outage.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import heartbeat
from .metrics import task_queue_stats

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answers; touches nothing else."""
    return JsonResponse({"status": "ok"})


def _database() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": "ok"}


def redis_in_use() -> bool:
    return settings.CACHE_BACKEND == "redis" or settings.TASKS_BACKEND == "rq"


def _redis() -> dict[str, Any]:
    if not redis_in_use():
        return {"status": "not configured"}
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    client.ping()
    return {"status": "ok"}


def _storage() -> dict[str, Any]:
    """The bucket answers (S3: HEAD bucket), or the media folder is writable (local).

    Cheap on purpose: a load balancer asks every few seconds."""
    client = getattr(getattr(default_storage, "connection", None), "meta", None)
    if client is not None:  # django-storages S3Storage
        client.client.head_bucket(Bucket=default_storage.bucket_name)  # type: ignore[attr-defined]
        return {"status": "ok"}
    root = Path(default_storage.location)  # type: ignore[attr-defined]
    root.mkdir(parents=True, exist_ok=True)
    if not os.access(root, os.W_OK):
        raise OSError("media folder not writable")
    return {"status": "ok"}


def _queue() -> dict[str, Any]:
    depth = sum(waiting for _, waiting, _ in task_queue_stats())
    limit = settings.READYZ_MAX_QUEUE_DEPTH
    return {"status": "ok" if depth <= limit else "high", "depth": depth, "limit": limit}


def _beat(name: str, limit: int) -> dict[str, Any]:
    seconds = heartbeat.age(name)
    if seconds is None:
        return {"status": "never seen", "age_seconds": None, "limit": limit}
    fresh = seconds <= limit
    return {"status": "ok" if fresh else "stale", "age_seconds": round(seconds), "limit": limit}


def _scheduler() -> dict[str, Any]:
    return _beat("scheduler", settings.READYZ_SCHEDULER_MAX_AGE)


def _worker() -> dict[str, Any]:
    if settings.TASKS_BACKEND == "immediate":
        return {"status": "not configured"}
    return _beat("worker", settings.READYZ_WORKER_MAX_AGE)


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "database": _database,
    "redis": _redis,
    "storage": _storage,
    "queue": _queue,
    "scheduler": _scheduler,
    "worker": _worker,
}
_FINE = {"ok", "not configured"}
_NEED_DATABASE = {"queue", "scheduler", "worker"}


def run_checks() -> tuple[bool, dict[str, dict[str, Any]]]:
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        if name in _NEED_DATABASE and results["database"]["status"] != "ok":
            results[name] = {"status": "unknown"}  # cannot be read without the database
            continue
        try:
            results[name] = check()
        except Exception:  # a probe reports, it never raises
            logger.warning("readyz: %s check failed", name, exc_info=True)
            results[name] = {"status": "fail"}
    required = set(settings.READYZ_REQUIRED)
    ready = all(r["status"] in _FINE for n, r in results.items() if n in required)
    return ready, results


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    ready, results = run_checks()
    degraded = any(r["status"] not in _FINE for r in results.values())
    status = "ready" if ready and not degraded else "degraded" if ready else "unavailable"
    return JsonResponse({"status": status, "checks": results}, status=200 if ready else 503)
