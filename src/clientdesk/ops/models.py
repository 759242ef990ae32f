"""Operations state: when each background process last showed it was alive."""

from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """One row per beating process kind: ``scheduler`` (each ``run_schedule`` pass) and
    ``worker`` (each run of the ``ops.heartbeat`` task, so a worker really took a task)."""

    name = models.CharField(max_length=50, unique=True)
    at = models.DateTimeField()
    detail = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.at}"
