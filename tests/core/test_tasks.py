"""The Tasks API on the immediate backend and on RQ against the real local Redis."""

from __future__ import annotations

import signal

import pytest
import redis
from django.conf import settings
from django_tasks import TaskResultStatus

from clientdesk.core import audit
from clientdesk.core.tasks import verify_audit_chain

pytestmark = pytest.mark.django_db


def test_immediate_backend_runs_the_task():
    audit.record(actor=None, action="create", target=audit.Target("x.y", "1", "thing"))
    result = verify_audit_chain.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["ok"] is True
    assert result.return_value["checked"] >= 1


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="needs the local Redis")
def test_rq_backend_round_trip_through_real_redis(settings):
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    rq_queue = django_rq.get_queue("default", job_class=Job)
    rq_queue.empty()
    # The worker installs its own SIGINT/SIGTERM handlers; put back the test process's own.
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        result = verify_audit_chain.enqueue()
        assert result.status == TaskResultStatus.READY
        worker = SimpleWorker([rq_queue], connection=rq_queue.connection, job_class=Job)
        worker.work(burst=True)
        result.refresh()
        assert result.status == TaskResultStatus.SUCCESSFUL
        assert result.return_value["ok"] is True
    finally:
        rq_queue.empty()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
