"""Sessions: recorded per user, ended when idle or too old, ended everywhere on request or
on a password change; on the database and the cache session engines."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.test import Client, RequestFactory
from django.utils import timezone

from clientdesk.accounts import sessions
from clientdesk.accounts.models import UserSession
from clientdesk.core.models import AuditEvent

from .signin import sign_in

pytestmark = pytest.mark.django_db

# Pinned with three live sessions: listing them is one query whatever their number. The user
# page also reads the person's module access (the token form offers no more than the role) and
# the team names in use (the team field's suggestions).
QUERIES_USER_PAGE = 14
QUERIES_ACCOUNT_PAGE = 8
CACHE_SESSIONS = "django.contrib.sessions.backends.cache"


def _shift(client: Client, **seconds_ago: float) -> None:
    """Move the session's sign-in / last-request times into the past."""
    session = client.session
    now = time.time()
    if "started" in seconds_ago:
        session[sessions.STARTED] = now - seconds_ago["started"]
    if "seen" in seconds_ago:
        session[sessions.SEEN] = now - seconds_ago["seen"]
    session.save()


def test_signing_in_records_the_session_and_signing_out_removes_it(sales_user: Any) -> None:
    client = Client(HTTP_USER_AGENT="Firefox/140")
    sign_in(client, "sales1", REMOTE_ADDR="10.1.2.3")
    row = UserSession.objects.get(user=sales_user)
    assert row.session_key == client.session.session_key
    assert (row.ip_address, row.user_agent) == ("10.1.2.3", "Firefox/140")
    client.post("/logout/")
    assert not UserSession.objects.exists()


def test_idle_session_is_signed_out_with_a_message(sales_user: Any) -> None:
    client = Client()
    client.force_login(sales_user)
    _shift(client, seen=31 * 60)
    response = client.get("/customers/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fcustomers%2F"
    page = client.get(response["Location"])
    assert b"signed out after 30 minutes without activity" in page.content
    assert not UserSession.objects.filter(user=sales_user).exists()
    event = AuditEvent.objects.filter(action="logout").latest("seq")
    assert event.changes == {"reason": "idle"}


def test_activity_keeps_the_session_alive(sales_user: Any) -> None:
    client = Client()
    client.force_login(sales_user)
    _shift(client, seen=29 * 60)
    assert client.get("/").status_code == 200
    assert time.time() - client.session[sessions.SEEN] < 5  # refreshed
    row = UserSession.objects.get(user=sales_user)
    assert row.last_seen_at > row.created_at
    _shift(client, seen=29 * 60)
    assert client.get("/").status_code == 200


def test_session_ends_at_its_absolute_lifetime_however_active(sales_user: Any) -> None:
    client = Client()
    client.force_login(sales_user)
    _shift(client, started=12 * 3600 + 5, seen=10)
    response = client.get("/")
    assert response["Location"].startswith("/login/")
    assert AuditEvent.objects.filter(action="logout").latest("seq").changes == {
        "reason": "lifetime"
    }


def test_timeouts_follow_the_settings(sales_user: Any, settings: Any) -> None:
    settings.SESSION_IDLE_TIMEOUT = dt.timedelta(minutes=5)
    settings.SESSION_ABSOLUTE_LIFETIME = dt.timedelta(hours=1)
    client = Client()
    client.force_login(sales_user)
    _shift(client, seen=4 * 60)
    assert client.get("/").status_code == 200
    _shift(client, seen=6 * 60)
    assert client.get("/")["Location"].startswith("/login/")
    client.force_login(sales_user)
    _shift(client, started=3601, seen=1)
    assert client.get("/")["Location"].startswith("/login/")


def test_an_expired_api_session_gets_json(sales_user: Any) -> None:
    client = Client()
    client.force_login(sales_user)
    _shift(client, seen=3600)
    response = client.get("/api/v1/customers/")
    assert response.status_code == 401
    assert response.json()["code"] == "session_expired"


def test_an_ordinary_request_costs_no_query(
    sales_user: Any, django_assert_num_queries: Any
) -> None:
    client = Client()
    client.force_login(sales_user)
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = sales_user
    assert isinstance(request.session, SessionBase)
    assert request.session[sessions.STARTED]  # loaded, as SessionMiddleware has by then
    with django_assert_num_queries(0):
        assert sessions.expired(request) is None


def test_user_signs_out_everywhere_else_from_their_account_page(sales_user: Any) -> None:
    here, phone, laptop = Client(), Client(), Client()
    for client in (here, phone, laptop):
        sign_in(client, "sales1")
    assert UserSession.objects.filter(user=sales_user).count() == 3
    page = here.get("/account/")
    assert page.content.count(b"last active") == 3 and b"This browser" in page.content
    response = here.post("/account/", {"action": "sign_out_everywhere"}, follow=True)
    assert b"Signed out of 2 other session(s)." in response.content
    assert here.get("/").status_code == 200
    for client in (phone, laptop):
        assert client.get("/")["Location"].startswith("/login/")
    assert UserSession.objects.filter(user=sales_user).count() == 1
    event = AuditEvent.objects.filter(action="sessions_ended").get()
    assert event.actor_id == sales_user.pk
    assert event.changes == {"sessions": 2, "kept_current": True}


def test_admin_signs_a_user_out_everywhere(
    sales_user: Any, admin_user: Any, support_user: Any
) -> None:
    user_clients = [Client(), Client()]
    for client in user_clients:
        sign_in(client, "sales1")
    support = Client()
    support.force_login(support_user)
    url = f"/admin-area/users/{sales_user.pk}/"
    assert support.post(url, {"action": "sign_out_everywhere"}).status_code == 403
    admin = Client()
    admin.force_login(admin_user)
    assert b"Sign out everywhere" in admin.get(url).content
    assert admin.post(url, {"action": "sign_out_everywhere"}).status_code == 302
    for client in user_clients:
        assert client.get("/")["Location"].startswith("/login/")
    event = AuditEvent.objects.filter(action="sessions_ended").get()
    assert (event.actor_id, event.object_id) == (admin_user.pk, str(sales_user.pk))
    assert event.changes == {"sessions": 2, "kept_current": False}
    assert admin.get("/").status_code == 200


def test_changing_ones_password_ends_the_other_sessions(sales_user: Any) -> None:
    here, other = Client(), Client()
    sign_in(here, "sales1")
    sign_in(other, "sales1")
    wrong = here.post(
        "/account/",
        {"action": "password", "old_password": "nope", "new_password": "Brand-new-pass-77"},
    )
    assert wrong.status_code == 400
    assert b"current password was entered wrongly" in wrong.content
    response = here.post(
        "/account/",
        {
            "action": "password",
            "old_password": "correct horse battery staple",
            "new_password": "Brand-new-pass-77",
        },
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200  # this session stays
    assert other.get("/")["Location"].startswith("/login/")
    assert UserSession.objects.filter(user=sales_user).count() == 1
    event = AuditEvent.objects.filter(action="update", object_id=str(sales_user.pk)).latest("seq")
    assert event.changes == {"password": "changed", "sessions_ended": 1}


def test_admin_setting_a_password_ends_the_users_sessions(sales_user: Any, admin_user: Any) -> None:
    user_client = Client()
    sign_in(user_client, "sales1")
    admin = Client()
    admin.force_login(admin_user)
    admin.post(
        f"/admin-area/users/{sales_user.pk}/",
        {"action": "password", "password": "Another-good-pass-42"},
    )
    assert user_client.get("/")["Location"].startswith("/login/")
    assert not UserSession.objects.filter(user=sales_user).exists()


def test_sign_out_everywhere_with_the_cache_session_engine(sales_user: Any, settings: Any) -> None:
    settings.SESSION_ENGINE = CACHE_SESSIONS
    here, other = Client(), Client()
    sign_in(here, "sales1")
    sign_in(other, "sales1")
    assert other.get("/").status_code == 200
    here.post("/account/", {"action": "sign_out_everywhere"})
    assert other.get("/")["Location"].startswith("/login/")
    assert here.get("/").status_code == 200


def test_the_list_leaves_out_sessions_that_timed_out_unseen(sales_user: Any) -> None:
    old, current = Client(), Client()
    sign_in(old, "sales1")
    UserSession.objects.update(last_seen_at=timezone.now() - dt.timedelta(hours=2))
    sign_in(current, "sales1")
    assert [s.session_key for s in sessions.for_user(sales_user)] == [current.session.session_key]
    assert UserSession.objects.filter(user=sales_user).count() == 1  # the stale row went


def test_user_page_and_account_page_query_counts(
    sales_user: Any, admin_user: Any, django_assert_num_queries: Any
) -> None:
    """The sign-in security card and the account page read a fixed number of rows."""
    for n in range(3):
        sign_in(Client(), "sales1", REMOTE_ADDR=f"10.0.0.{n + 1}")
    admin = Client()
    admin.force_login(admin_user)
    admin.get("/")
    with django_assert_num_queries(QUERIES_USER_PAGE):
        assert admin.get(f"/admin-area/users/{sales_user.pk}/").status_code == 200
    own = Client()
    own.force_login(sales_user)
    own.get("/")
    with django_assert_num_queries(QUERIES_ACCOUNT_PAGE):
        assert own.get("/account/").status_code == 200
