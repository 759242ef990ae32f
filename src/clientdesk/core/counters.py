from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import Counter


def _create(name: str) -> None:
    try:
        with transaction.atomic():
            Counter.objects.create(name=name)
    except IntegrityError:
        pass  # another transaction created it first


def next_values(name: str, count: int = 1) -> range:
    """Reserve ``count`` consecutive values of a named counter (gap-free, under a row lock)."""
    with transaction.atomic():
        counter = Counter.objects.select_for_update().filter(name=name).first()
        if counter is None:
            _create(name)  # first use: two racing creators both end up locking the one row
            counter = Counter.objects.select_for_update().get(name=name)
        start = counter.value + 1
        counter.value += count
        counter.save(update_fields=["value"])
    return range(start, start + count)
