"""Run `manage.py rqworker` on one queue, as a production worker would, for the scale-out
test: ``python tests/ops/rq_worker.py QUEUE``. The queue (unique to the test run) is added
to RQ_QUEUES and to the tasks backend's queues here, since it is not in the settings file;
before ``django.setup()``, which builds the tasks backend."""

from __future__ import annotations

import os
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientdesk.settings")

from django.conf import settings  # noqa: E402

queue = sys.argv[1]
settings.RQ_QUEUES[queue] = {"URL": settings.REDIS_URL}
settings.TASKS["default"]["QUEUES"] = ["default", queue]

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

call_command("rqworker", queue, job_class="django_tasks_rq.Job", name=f"{queue}-{os.getpid()}")
