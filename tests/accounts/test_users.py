"""User management: services (validation, lock-out guards, audit), pages and the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clientdesk.accounts import services
from clientdesk.accounts.models import ApiToken, User
from clientdesk.core.models import AuditEvent

GOOD_PASSWORD = "amber-falcon-river-42"


def _new(admin_user: Any, roles: dict[str, Any], **data: Any) -> Any:
    payload = {"username": "priya", "first_name": "Priya", "role": roles["support"], **data}
    return services.create_user(actor=admin_user, data=payload, password=GOOD_PASSWORD)


def test_create_user_sets_role_password_and_audit(admin_user, roles):
    user = _new(admin_user, roles, email="Priya@Example.com", last_name="Nair")
    assert user.role.slug == "support" and user.is_active
    assert user.email == "priya@example.com"
    assert user.check_password(GOOD_PASSWORD)
    event = AuditEvent.objects.filter(action="create", object_id=str(user.pk)).get()
    assert event.changes["role"] == "Support User"
    assert GOOD_PASSWORD not in str(event.changes) and "password" not in event.changes


@pytest.mark.parametrize(
    ("data", "password", "field"),
    [
        ({"username": "ADMIN1"}, GOOD_PASSWORD, "username"),  # taken, whatever the case
        ({"username": "bad name!"}, GOOD_PASSWORD, "username"),
        ({"first_name": ""}, GOOD_PASSWORD, "first_name"),
        ({"role": None}, GOOD_PASSWORD, "role"),
        ({"role": "999999"}, GOOD_PASSWORD, "role"),
        ({"email": "not-an-email"}, GOOD_PASSWORD, "email"),
        ({}, "12345678", "password"),
        ({}, "short", "password"),
        ({}, "priya123", "password"),  # too like the username
    ],
)
def test_create_user_refuses_bad_input_by_field(admin_user, roles, data, password, field):
    users = User.objects.count()
    payload = {"username": "priya", "first_name": "Priya", "role": roles["support"], **data}
    with pytest.raises(ValidationError) as caught:
        services.create_user(actor=admin_user, data=payload, password=password)
    assert field in caught.value.message_dict
    assert User.objects.count() == users


def test_only_administration_writers_manage_users(manager, roles, admin_user):
    with pytest.raises(PermissionDenied):
        services.create_user(
            actor=manager,
            data={"username": "x", "first_name": "X", "role": roles["sales"]},
            password=GOOD_PASSWORD,
        )
    with pytest.raises(PermissionDenied):
        services.update_user(admin_user, actor=manager, data={"is_active": False})


def test_role_change_and_deactivation_are_audited_and_revoke_tokens(admin_user, roles):
    user = _new(admin_user, roles)
    services.issue_api_token(user, actor=admin_user)
    services.update_user(user, actor=admin_user, data={"role": roles["manager"]})
    event = AuditEvent.objects.filter(action="permission_change", object_id=str(user.pk)).latest(
        "seq"
    )
    assert event.changes["role"] == {"old": "Support User", "new": "Manager"}
    services.update_user(user, actor=admin_user, data={"is_active": False})
    user.refresh_from_db()
    assert not user.is_active
    assert not ApiToken.objects.filter(user=user).exists()
    event = AuditEvent.objects.filter(action="permission_change", object_id=str(user.pk)).latest(
        "seq"
    )
    assert event.changes["is_active"] == {"old": True, "new": False}
    assert event.changes["api_tokens_revoked"] == 1


def test_nobody_locks_themselves_or_the_firm_out(admin_user, roles):
    with pytest.raises(ValidationError) as caught:
        services.update_user(admin_user, actor=admin_user, data={"is_active": False})
    assert "is_active" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.update_user(admin_user, actor=admin_user, data={"role": roles["sales"]})
    assert "role" in caught.value.message_dict
    # A second Admin may demote the first, but not the last one standing.
    other = _new(admin_user, roles, username="admin2", role=roles["admin"])
    services.update_user(admin_user, actor=other, data={"role": roles["manager"]})
    admin_user.refresh_from_db()
    assert admin_user.role.slug == "manager"
    with pytest.raises(ValidationError):
        services.update_user(other, actor=other, data={"is_active": False})
    other.refresh_from_db()
    assert other.is_active and other.role.slug == "admin"


def test_set_password_validates_and_never_records_the_value(admin_user, roles):
    user = _new(admin_user, roles)
    with pytest.raises(ValidationError) as caught:
        services.set_password(user, actor=admin_user, password="password")
    assert "password" in caught.value.message_dict
    services.set_password(user, actor=admin_user, password="new-" + GOOD_PASSWORD)
    user.refresh_from_db()
    assert user.check_password("new-" + GOOD_PASSWORD)
    event = AuditEvent.objects.filter(object_id=str(user.pk), action="update").latest("seq")
    assert event.changes == {"password": "changed"}


# --- pages ---------------------------------------------------------------------------------


def test_users_page_lists_filters_and_pins_its_queries(
    client_for: Callable[[Any], Any], admin_user, roles, user_factory
):
    for i in range(3):
        user_factory("sales", username=f"seller{i}", first_name=f"Seller {i}")
    client = client_for(admin_user)
    counts = []
    for extra in range(2):
        if extra:
            for i in range(5):
                user_factory("support", username=f"helper{i}")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/admin-area/users/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], "the users page must not query per row"
    filtered = client.get("/admin-area/users/", {"role": roles["sales"].pk, "q": "seller1"})
    body = filtered.content.decode()
    assert "seller1" in body and "seller0" not in body and "helper0" not in body
    csv = client.get("/admin-area/users/", {"export": "csv"})
    assert b"Username" in b"".join(csv.streaming_content)


def test_user_pages_create_edit_and_issue_a_token_once(client_for, admin_user, roles):
    client = client_for(admin_user)
    assert client.get("/admin-area/users/new/").status_code == 200
    bad = client.post("/admin-area/users/new/", {"username": "", "password": "x"})
    assert bad.status_code == 400 and "has-error" in bad.content.decode()
    created = client.post(
        "/admin-area/users/new/",
        {
            "username": "ravi",
            "first_name": "Ravi",
            "role": roles["sales"].pk,
            "is_active": "on",
            "password": GOOD_PASSWORD,
        },
    )
    user = User.objects.get(username="ravi")
    assert created.status_code == 302 and created["Location"] == f"/admin-area/users/{user.pk}/"
    page = client.get(created["Location"])
    assert page.status_code == 200 and "No tokens" in page.content.decode()
    issued = client.post(created["Location"], {"action": "issue_token"})
    key = issued.context["new_key"]
    assert key and key in issued.content.decode()
    assert key not in client.get(created["Location"]).content.decode()
    saved = client.post(
        created["Location"],
        {"first_name": "Ravi", "last_name": "Kumar", "role": roles["support"].pk},
    )
    assert saved.status_code == 302
    user.refresh_from_db()
    assert user.last_name == "Kumar" and user.role.slug == "support" and not user.is_active
    assert not ApiToken.objects.filter(user=user).exists()


def test_user_pages_need_administration(client_for, manager, admin_user):
    client = client_for(manager)
    assert client.get("/admin-area/users/").status_code == 403
    assert client.get(f"/admin-area/users/{admin_user.pk}/").status_code == 403
    assert client.post("/admin-area/users/new/", {}).status_code == 403


# --- API -----------------------------------------------------------------------------------


def test_users_api_reads_with_the_page_filters(
    api_client_for, admin_user, manager, sales_user, roles
):
    client = api_client_for(admin_user, token=True)
    response = client.get("/api/v1/users/", {"role": roles["manager"].pk})
    assert response.status_code == 200
    assert [u["username"] for u in response.json()["results"]] == ["manager1"]
    assert response.json()["results"][0]["role"] == "manager"
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    gone = client.get("/api/v1/users/", {"is_active": "false"}).json()["results"]
    assert [u["username"] for u in gone] == ["manager1"]
    active = client.get("/api/v1/users/", {"is_active": "true"}).json()["results"]
    assert "manager1" not in [u["username"] for u in active]
    assert client.post("/api/v1/users/", {"username": "x"}).status_code == 405
    assert api_client_for(sales_user).get("/api/v1/users/").status_code == 403
