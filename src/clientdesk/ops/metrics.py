"""Prometheus metrics at ``/metrics``.

Two kinds, so the numbers are right with many gunicorn processes on many machines:

- counted in the process (request latency by view, transaction intake rows): with
  ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn), prometheus_client writes them to per-process
  files in that folder and a scrape adds every process of the machine up;
- read from the database at scrape time (task queue depth and failures, the comms outbox
  backlog, heartbeat ages): shared state, so every web process answers the same.

Access: ``Authorization: Bearer <METRICS_TOKEN>``, or a client address in
``METRICS_ALLOWED_IPS``. Neither configured means no access (403).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUEST_LATENCY = Histogram(
    "clientdesk_http_request_duration_seconds",
    "Time to answer a request, by Django view name, method and status class.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=None,
)
INTAKE_ROWS = Counter(
    "clientdesk_transaction_intake_rows",
    "Transaction rows received by the intake (API and CSV), by outcome.",
    ["outcome"],
    registry=None,
)
PROCESS_METRICS = (REQUEST_LATENCY, INTAKE_ROWS)


def count_intake(created: int, updated: int, existing: int, rejected: int) -> None:
    for outcome, n in (
        ("created", created),
        ("updated", updated),
        ("existing", existing),
        ("rejected", rejected),
    ):
        if n:
            INTAKE_ROWS.labels(outcome).inc(n)


class MetricsMiddleware:
    """Observes each request's latency under its resolved view name."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match else "<unresolved>"
        REQUEST_LATENCY.labels(
            view, request.method or "", f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - started)
        return response


class DatabaseCollector(Collector):
    """Gauges computed at scrape time from shared state."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from _task_gauges()
        yield _outbox_gauge()
        yield _heartbeat_gauge()


def _task_gauges() -> Iterator[GaugeMetricFamily]:
    queued = GaugeMetricFamily(
        "clientdesk_tasks_queued", "Background tasks waiting for a worker.", labels=["queue"]
    )
    failed = GaugeMetricFamily(
        "clientdesk_tasks_failed",
        "Failed background tasks still on record (database: until pruned; RQ: failed registry).",
        labels=["queue"],
    )
    for queue, waiting, failures in task_queue_stats():
        queued.add_metric([queue], waiting)
        failed.add_metric([queue], failures)
    yield queued
    yield failed


def task_queue_stats() -> list[tuple[str, int, int]]:
    """(queue, waiting, failed) for the configured tasks backend."""
    backend = str(settings.TASKS["default"]["BACKEND"])
    queues = settings.TASKS["default"].get("QUEUES") or ["default"]
    if backend.startswith("django_tasks_db"):
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        rows = (
            DBTaskResult.objects.filter(
                status__in=[TaskResultStatus.READY, TaskResultStatus.FAILED]
            )
            .values("queue_name", "status")
            .annotate(n=Count("id"))
        )
        found = {(r["queue_name"], r["status"]): r["n"] for r in rows}
        names = sorted(set(queues) | {q for q, _ in found})
        return [
            (
                q,
                found.get((q, TaskResultStatus.READY), 0),
                found.get((q, TaskResultStatus.FAILED), 0),
            )
            for q in names
        ]
    if backend.startswith("django_tasks_rq"):
        import django_rq

        stats = []
        for name in queues:
            queue = django_rq.get_queue(name)
            stats.append((name, queue.count, queue.failed_job_registry.count))
        return stats
    return [(q, 0, 0) for q in queues]  # the immediate backend has no queue


def _outbox_gauge() -> GaugeMetricFamily:
    from clientdesk.comms.models import Message, MessageStatus

    gauge = GaugeMetricFamily(
        "clientdesk_outbox_queued",
        "Messages to customers queued for delivery (outbox backlog), by channel.",
        labels=["channel"],
    )
    rows = (
        Message.objects.filter(status=MessageStatus.QUEUED)
        .values("channel")
        .annotate(n=Count("id"))
        .order_by("channel")
    )
    for row in rows:
        gauge.add_metric([row["channel"]], row["n"])
    return gauge


def _heartbeat_gauge() -> GaugeMetricFamily:
    from .models import Heartbeat

    gauge = GaugeMetricFamily(
        "clientdesk_heartbeat_timestamp_seconds",
        "Unix time of the last scheduler pass / worker heartbeat task.",
        labels=["process"],
    )
    for name, at in Heartbeat.objects.values_list("name", "at").order_by("name"):
        gauge.add_metric([name], at.timestamp())
    return gauge


def registry() -> CollectorRegistry:
    """A fresh registry per scrape: every process's counters, then the database gauges."""
    reg = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(reg)  # type: ignore[no-untyped-call]
    else:
        for metric in PROCESS_METRICS:
            reg.register(metric)
    reg.register(DatabaseCollector())
    return reg


def allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[7:].strip().encode(), token.encode())
    remote = request.META.get("REMOTE_ADDR", "")
    try:
        address = ipaddress.ip_address(remote)
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_IPS
    )


def metrics_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    if not allowed(request):
        return HttpResponse(
            "Forbidden: send Authorization: Bearer <METRICS_TOKEN> or scrape from an address "
            "in METRICS_ALLOWED_IPS.\n",
            status=403,
            content_type="text/plain",
        )
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
