"""A task for the RQ scale-out test: says which process ran it."""

from __future__ import annotations

import os
import time

from django_tasks import task


@task()
def which_process(n: int) -> dict[str, int]:
    time.sleep(0.3)  # long enough that an idle second worker takes the next job
    return {"n": n, "pid": os.getpid()}
