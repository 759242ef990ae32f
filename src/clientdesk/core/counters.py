from __future__ import annotations

from django.db import transaction

from .models import Counter


def next_values(name: str, count: int = 1) -> range:
    """Reserve ``count`` consecutive values of a named counter (gap-free, under a row lock)."""
    with transaction.atomic():
        counter, _ = Counter.objects.select_for_update().get_or_create(name=name)
        start = counter.value + 1
        counter.value += count
        counter.save(update_fields=["value"])
    return range(start, start + count)
