"""Background work of the activity timeline (Django Tasks API)."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django_tasks import task


@task()
def move_last_activity_later(model_label: str, items: list[list[object]]) -> int:
    """Move customers' or leads' last-activity dates forward after a large intake.

    ``items`` are ``[pk, ISO time]`` pairs; the update never moves a date backward, so a
    late or repeated run is harmless.
    """
    from .services import move_last_activity

    model = apps.get_model(model_label)
    latest = {int(str(pk)): dt.datetime.fromisoformat(str(at)) for pk, at in items}
    move_last_activity(model, latest)
    return len(latest)
