"""Background work of operations: the worker heartbeat and the scheduled backup."""

from __future__ import annotations

import logging

from django_tasks import task

from . import heartbeat as beats

logger = logging.getLogger(__name__)


@task()
def heartbeat() -> None:
    """Enqueued every minute by the scheduler; a worker running it proves workers drain."""
    beats.beat("worker")


@task()
def scheduled_backup() -> dict[str, object]:
    """Daily backup then pruning (``BACKUP_ENABLED``); see docs/operations.md."""
    from .backup.service import create_backup, prune

    result = create_backup(progress=logger.info)
    pruned = prune(keep=result.name, progress=logger.info)
    return {"name": result.name, "bytes": result.size, "pruned": pruned}
