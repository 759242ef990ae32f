"""Deferred-join paging returns exactly what plain slicing would, page by page."""

from __future__ import annotations

import pytest
from factories import make_customer

from clientdesk.customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("sort", ["name", "-last_activity", "client_id", "-created"])
def test_pages_match_plain_slicing(client_for, admin_user, settings, sort, monkeypatch):
    from clientdesk.core.pagination import DeferredJoinPaginator

    monkeypatch.setattr(DeferredJoinPaginator, "defer_from_offset", 3)  # pages 2+ deferred
    settings.LIST_PAGE_SIZE = 3
    for _ in range(8):
        make_customer(actor=admin_user)
    client = client_for(admin_user)
    seen: list[int] = []
    for number in (1, 2, 3):
        response = client.get("/customers/", {"sort": sort, "page": number})
        assert response.status_code == 200
        table = response.context["table"]
        seen += [row.record.pk for row in table.paginated_rows]
        assert table.page.has_next() is (number < 3)
    ordering = {
        "name": ("search_name", "id"),
        "-last_activity": ("-last_activity_at", "-id"),
        "client_id": ("client_id",),
        "-created": ("-created_at", "-id"),
    }[sort]
    assert seen == list(Customer.objects.order_by(*ordering).values_list("pk", flat=True))


def test_page_past_the_end_serves_an_empty_state_not_an_error(client_for, admin_user):
    make_customer(actor=admin_user)
    response = client_for(admin_user).get("/customers/", {"page": 99})
    assert response.status_code in (200, 404)
