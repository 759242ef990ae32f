"""gunicorn settings read from the working directory (``gunicorn clientdesk.wsgi``).

Only what the project needs of gunicorn itself; workers, bind address and timeouts come
from the command line or ``GUNICORN_CMD_ARGS`` (docs/operations.md).

Prometheus in multiprocess mode (``PROMETHEUS_MULTIPROC_DIR`` set, docs/operations.md
"Metrics"): each worker writes its counters to files in that folder and a scrape adds them
up. The folder is emptied when the master starts, so a restart does not add the last run's
counts again, and a worker's live gauges are dropped when it exits.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

# Threads, not one request per process: most of a request's time is spent waiting for the
# database, and under the threaded worker a long response (a CSV export of a million rows)
# is never killed by the worker timeout half-way — the sync worker's 30 s timeout cut
# exports off after 30 s with a 200 already sent. The connection pool (settings, DB_POOL) is
# shared by a process's threads. Overridable on the command line (--worker-class, --threads).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))


def on_starting(server: Any) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
