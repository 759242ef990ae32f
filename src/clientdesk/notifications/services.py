"""The one way to notify a staff member in the app."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification


def notify(
    recipient: Any, *, kind: str, title: str, url: str = "", body: str = "", key: str = ""
) -> Notification | None:
    """Create a notification; with ``key``, at most one per recipient and key (idempotent)."""
    if recipient is None or not getattr(recipient, "is_active", False):
        return None
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=recipient, kind=kind, title=title[:200], url=url, body=body, key=key
            )
    except IntegrityError:
        return None  # already notified for this key


def mark_read(user: Any, ids: list[int] | None = None) -> int:
    """Mark the user's notifications (or only ``ids``) read; returns how many changed."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=timezone.now())


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
