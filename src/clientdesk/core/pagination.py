"""Deep pages that stay fast.

``LazyPaginator`` (django-tables2) already avoids COUNT(*). This subclass also avoids
reading whole rows for everything before the page: it asks for the page's primary keys only
(an index-only scan when an index covers the filter and sort columns), then loads just
those rows. Page 1,000 then costs little more than page 1.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page
from django.db.models import QuerySet
from django_tables2 import LazyPaginator
from django_tables2.rows import BoundRow


class DeferredJoinPaginator(LazyPaginator):
    # Below this offset one plain query is cheaper than keys-then-rows.
    defer_from_offset = 500
    # Past this row no page can exist (a bigint OFFSET): ?page=10**20 used to reach
    # PostgreSQL as an out-of-range OFFSET (and SQLite as an unbindable integer), a 500.
    max_offset = 2**62

    def page(self, number: Any) -> Page:
        queryset = getattr(getattr(self.object_list, "data", None), "data", None)
        number = self.validate_number(number or 1)
        bottom = (number - 1) * self.per_page
        if bottom > self.max_offset:
            raise EmptyPage("That page contains no results")
        if not isinstance(queryset, QuerySet) or bottom < self.defer_from_offset:
            return super().page(number)
        look_ahead = (self.look_ahead - 1) * self.per_page + 1
        top = bottom + self.per_page + self.orphans + look_ahead
        keys = list(queryset.values_list("pk", flat=True)[bottom:top])
        if len(keys) > self.per_page + self.orphans:
            self._num_pages = number + (len(keys) // self.per_page)
            keys = keys[: self.per_page]
        elif number != 1 and len(keys) <= self.orphans:
            raise EmptyPage("That page contains no results")
        else:
            self._num_pages = self._final_num_pages = number
        by_key = queryset.order_by().in_bulk(keys)
        table = self.object_list.table
        rows = [BoundRow(by_key[k], table=table) for k in keys if k in by_key]
        return Page(rows, number, self)
