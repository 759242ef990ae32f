"""Staff notifications: the header bell, the list page, mark read, and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from clientdesk.notifications import services
from clientdesk.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(sales_user: Any, manager: Any) -> list[Notification]:
    """Three notifications for sales_user (one already read) and one for the manager."""
    made = [
        services.notify(sales_user, kind="assignment", title="Lead L-1 assigned", url="/leads/1/"),
        services.notify(sales_user, kind="sla_breach", title="Ticket TK-9 breached", body="4h"),
        services.notify(sales_user, kind="task_reminder", title="Call back Asha", url="/tasks/"),
        services.notify(manager, kind="mention", title="You were mentioned"),
    ]
    services.mark_read(sales_user, [made[2].pk])
    return [n for n in made if n is not None]


def unread(user: Any) -> int:
    return services.unread_count(user)


# --- the bell ----------------------------------------------------------------------------


def test_bell_shows_the_unread_count_on_every_page(client_for, sales_user, inbox):
    page = client_for(sales_user).get("/notifications/").content.decode()
    assert 'data-testid="notification-bell"' in page
    assert 'aria-label="Notifications, 2 unread"' in page
    assert '<span class="bell-badge" aria-hidden="true">2</span>' in page


def test_bell_without_unread_has_no_badge(client_for, manager):
    page = client_for(manager).get("/notifications/").content.decode()
    assert 'aria-label="Notifications"' in page and "bell-badge" not in page


def test_bell_caps_at_99(client_for, sales_user):
    Notification.objects.bulk_create(
        Notification(recipient=sales_user, kind="info", title=f"n{i}") for i in range(120)
    )
    page = client_for(sales_user).get("/notifications/").content.decode()
    assert '<span class="bell-badge" aria-hidden="true">99+</span>' in page


def test_no_bell_for_anonymous_visitors(client):
    assert "notification-bell" not in client.get("/login/").content.decode()


# --- the page ----------------------------------------------------------------------------


def test_list_shows_only_my_notifications(client_for, sales_user, inbox):
    page = client_for(sales_user).get("/notifications/").content.decode()
    assert "Lead L-1 assigned" in page and "Call back Asha" in page
    assert "You were mentioned" not in page
    assert page.count('data-testid="notification"') == 3
    assert page.count(">Mark read</button>") == 2


def test_unread_filter(client_for, sales_user, inbox):
    page = client_for(sales_user).get("/notifications/?unread=true").content.decode()
    assert page.count('data-testid="notification"') == 2 and "Call back Asha" not in page


def test_mark_one_read(client_for, sales_user, inbox):
    response = client_for(sales_user).post(
        "/notifications/", {"id": inbox[0].pk, "next": "/notifications/?unread=true"}
    )
    assert response.status_code == 302 and response["Location"] == "/notifications/?unread=true"
    assert unread(sales_user) == 1
    inbox[0].refresh_from_db()
    assert inbox[0].read_at is not None


def test_mark_all_read(client_for, sales_user, manager, inbox):
    response = client_for(sales_user).post("/notifications/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert unread(sales_user) == 0
    assert unread(manager) == 1  # someone else's stay unread


def test_cannot_mark_someone_elses_notification(client_for, sales_user, manager, inbox):
    client_for(sales_user).post("/notifications/", {"id": inbox[-1].pk})
    assert unread(manager) == 1


def test_open_marks_read_and_follows_the_link(client_for, sales_user, manager, inbox):
    response = client_for(sales_user).get(f"/notifications/{inbox[0].pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/leads/1/"
    inbox[0].refresh_from_db()
    assert inbox[0].read_at is not None
    assert client_for(sales_user).get(f"/notifications/{inbox[-1].pk}/open/").status_code == 404


def test_open_never_redirects_off_site(client_for, sales_user):
    note = services.notify(sales_user, kind="info", title="x", url="https://evil.example/")
    response = client_for(sales_user).get(f"/notifications/{note.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_empty_state(client_for, manager):
    page = client_for(manager).get("/notifications/?unread=true").content.decode()
    assert "All caught up" in page


def test_login_required(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_page_query_count_does_not_grow(client_for, sales_user, django_assert_num_queries):
    client = client_for(sales_user)
    services.notify(sales_user, kind="info", title="first")
    client.get("/notifications/")
    with django_assert_num_queries(8):
        client.get("/notifications/")
    Notification.objects.bulk_create(
        Notification(recipient=sales_user, kind="info", title=f"n{i}") for i in range(40)
    )
    with django_assert_num_queries(8):
        response = client.get("/notifications/")
    assert response.content.decode().count('data-testid="notification"') == 30


# --- the API -----------------------------------------------------------------------------


def test_api_lists_my_notifications_newest_first(api_client_for, sales_user, inbox):
    response = api_client_for(sales_user, token=True).get("/api/v1/notifications/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["title"] for r in rows] == [
        "Call back Asha",
        "Ticket TK-9 breached",
        "Lead L-1 assigned",
    ]
    assert [r["unread"] for r in rows] == [False, True, True]
    assert rows[2]["url"] == "/leads/1/" and rows[2]["kind"] == "assignment"


def test_api_unread_filter(api_client_for, sales_user, inbox):
    rows = api_client_for(sales_user).get("/api/v1/notifications/?unread=true").json()["results"]
    assert {r["title"] for r in rows} == {"Ticket TK-9 breached", "Lead L-1 assigned"}
    response = api_client_for(sales_user).get("/api/v1/notifications/?unread=false")
    assert [r["title"] for r in response.json()["results"]] == ["Call back Asha"]


def test_api_mark_some_read(api_client_for, sales_user, manager, inbox):
    response = api_client_for(sales_user).post(
        "/api/v1/notifications/read/", {"ids": [inbox[0].pk, inbox[-1].pk]}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"marked": 1, "unread": 1}  # the manager's one is not mine
    assert unread(manager) == 1


def test_api_mark_all_read(api_client_for, sales_user, inbox):
    response = api_client_for(sales_user).post("/api/v1/notifications/read/", {}, format="json")
    assert response.json() == {"marked": 2, "unread": 0}


@pytest.mark.parametrize("ids", [[], ["x"], [0], "1"])
def test_api_mark_read_bad_ids(api_client_for, sales_user, inbox, ids):
    response = api_client_for(sales_user).post(
        "/api/v1/notifications/read/", {"ids": ids}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "ids" in response.json()["errors"]
    assert unread(sales_user) == 2


def test_api_needs_a_user(api_client_for):
    assert api_client_for().get("/api/v1/notifications/").status_code in (401, 403)
    assert api_client_for().post("/api/v1/notifications/read/").status_code in (401, 403)


def test_api_works_for_a_user_without_a_role(api_client_for, user_factory):
    user = user_factory(None)
    services.notify(user, kind="info", title="Welcome")
    rows = api_client_for(user).get("/api/v1/notifications/").json()["results"]
    assert [r["title"] for r in rows] == ["Welcome"]


def test_api_query_count(api_client_for, sales_user, inbox, django_assert_num_queries):
    client = api_client_for(get_user_model().objects.get(pk=sales_user.pk), token=True)
    with django_assert_num_queries(3):  # token, its first-use stamp, one page
        client.get("/api/v1/notifications/")
