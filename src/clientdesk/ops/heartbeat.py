"""Heartbeats of the scheduler and the workers, read by ``/readyz``."""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.utils import timezone

from .models import Heartbeat


def beat(name: str, now: dt.datetime | None = None) -> None:
    Heartbeat.objects.update_or_create(
        name=name,
        defaults={"at": now or timezone.now(), "detail": f"{socket.gethostname()}:{os.getpid()}"},
    )


def age(name: str, now: dt.datetime | None = None) -> float | None:
    """Seconds since the last beat, or None when there never was one."""
    at = Heartbeat.objects.filter(name=name).values_list("at", flat=True).first()
    return None if at is None else ((now or timezone.now()) - at).total_seconds()
