"""API tokens: scopes that only narrow the role, expiry, last use, the page and the CLI."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient, APIRequestFactory

from clientdesk.accounts import scopes as vocab
from clientdesk.accounts.models import ApiToken, RoleModuleAccess
from clientdesk.accounts.scopes import TokenScope
from clientdesk.accounts.services import issue_api_token
from clientdesk.accounts.tokens import RequireTokenScope, token_has_scope
from clientdesk.core.models import AuditEvent
from clientdesk.core.permissions import Access

pytestmark = pytest.mark.django_db


def _client(key: str, ip: str = "203.0.113.7") -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _token(key: str) -> ApiToken:
    return ApiToken.objects.get(prefix=key[:8])


# --- vocabulary ------------------------------------------------------------------------------


def test_vocabulary_has_module_scopes_and_the_integration_scope() -> None:
    names = vocab.vocabulary()
    assert {"customers:read", "customers:write", "administration:write"} <= set(names)
    assert vocab.COMMS_INTEGRATION == "comms:integration" and "comms:integration" in names
    parsed = TokenScope.parse(["customers:write", "customers:read", "comms:integration", "x:y"])
    assert parsed.levels == {"customers": Access.WRITE}
    assert parsed.special == frozenset({"comms:integration"})
    assert parsed.clamp({"customers": Access.READ, "leads": Access.WRITE}) == {
        "customers": Access.READ,
        "leads": Access.NONE,
    }


def test_special_scopes_can_be_registered_but_not_shadow_module_levels() -> None:
    vocab.register_special_scope("calls:dialer", "A dialer posting call logs.")
    try:
        assert "calls:dialer" in vocab.vocabulary()
    finally:
        del vocab.SPECIAL_SCOPES["calls:dialer"]
    with pytest.raises(ValueError):
        vocab.register_special_scope("calls:write", "would shadow a module level")


# --- issuing ---------------------------------------------------------------------------------


def test_default_token_has_the_role_scopes_and_the_default_expiry(support_user, settings) -> None:
    settings.API_TOKEN_DEFAULT_DAYS = 30
    token = _token(issue_api_token(support_user, actor=None))
    assert "tickets:write" in token.scopes and "customers:read" in token.scopes
    assert not any(s.startswith(("compliance:", "administration:")) for s in token.scopes)
    left = token.expires_at - timezone.now()
    assert dt.timedelta(days=29, hours=23) < left <= dt.timedelta(days=30)


def test_scopes_cannot_exceed_the_role(support_user) -> None:
    with pytest.raises(ValidationError) as exc:
        issue_api_token(support_user, actor=None, scopes=["customers:write", "nope:read"])
    messages = exc.value.message_dict["scopes"]
    assert any("customers:write" in m and "role" in m for m in messages)
    assert any("nope:read: no such scope" in m for m in messages)
    assert not ApiToken.objects.exists()


def test_integration_scope_needs_messages_write(compliance, support_user) -> None:
    with pytest.raises(ValidationError):  # Compliance reads messages only
        issue_api_token(compliance, actor=None, scopes=["comms:integration"])
    key = issue_api_token(support_user, actor=None, scopes=["comms:integration"])
    assert _token(key).scopes == ["comms:integration"]


@pytest.mark.parametrize("days", [0, -1, 366, "30", True])
def test_expiry_days_are_bounded(manager, days: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        issue_api_token(manager, actor=None, days=days)
    assert "expires_in_days" in exc.value.message_dict


def test_issuing_is_audited_with_scopes_and_expiry_never_the_key(manager, admin_user) -> None:
    key = issue_api_token(manager, actor=admin_user, scopes=["calls:write"], name="Dialer 7")
    event = AuditEvent.objects.filter(object_type="accounts.apitoken").latest("seq")
    assert event.changes["scopes"] == ["calls:write"] and event.changes["name"] == "Dialer 7"
    assert "expires_at" in event.changes and key not in str(event.changes)


# --- effective rights = role ∩ scope ---------------------------------------------------------


def test_scope_narrows_what_the_role_allows(manager) -> None:
    client = _client(issue_api_token(manager, actor=None, scopes=["customers:read"]))
    assert client.get("/api/v1/customers/").status_code == 200
    denied = client.post("/api/v1/customers/", {"first_name": "A"}, format="json")
    assert denied.status_code == 403
    assert client.get("/api/v1/leads/").status_code == 403  # the role may; the token may not


def test_role_change_after_issue_still_limits_the_token(manager, roles) -> None:
    client = _client(issue_api_token(manager, actor=None, scopes=["leads:write"]))
    RoleModuleAccess.objects.filter(role=roles["manager"], module="leads").update(level=Access.READ)
    assert client.get("/api/v1/leads/").status_code == 200
    assert client.post("/api/v1/leads/", {}, format="json").status_code == 403


def test_scope_check_adds_no_query(manager, django_assert_num_queries) -> None:
    """Token request = the same request force-authenticated + the one token lookup."""
    from clientdesk.accounts.models import User

    def fresh_user() -> Any:  # as an authentication would load it: no access map cached yet
        return User.objects.select_related("role").get(pk=manager.pk)

    forced = APIClient()
    forced.force_authenticate(fresh_user())
    forced.get("/api/v1/customers/")  # warm caches (content types, etc.)
    forced.force_authenticate(fresh_user())
    with CaptureQueriesContext(connection) as baseline:
        assert forced.get("/api/v1/customers/").status_code == 200
    expected = len(baseline) + 1  # read now: each request clears Django's query log
    assert expected == 3  # the token (with user and role), the role's access, the page
    for scopes in (None, ["customers:read"], ["customers:write", "leads:read", "calls:write"]):
        key = issue_api_token(manager, actor=None, scopes=scopes)
        client = _client(key)
        assert client.get("/api/v1/customers/").status_code == 200  # first use writes last-used
        with django_assert_num_queries(expected):
            assert client.get("/api/v1/customers/").status_code == 200


# --- expiry and last use ---------------------------------------------------------------------


def test_expired_token_is_refused_with_a_clear_401(manager) -> None:
    key = issue_api_token(manager, actor=None)
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = _client(key).get("/api/v1/customers/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"
    assert "expired on" in response.json()["detail"] and "new one" in response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_last_use_is_recorded_at_most_once_a_minute(manager, settings) -> None:
    settings.API_TOKEN_TOUCH_SECONDS = 60
    key = issue_api_token(manager, actor=None)
    assert _client(key, ip="198.51.100.4").get("/api/v1/customers/").status_code == 200
    token = _token(key)
    assert token.last_used_ip == "198.51.100.4" and token.last_used_at is not None
    first = token.last_used_at
    _client(key, ip="198.51.100.9").get("/api/v1/customers/")
    token.refresh_from_db()
    assert (token.last_used_at, token.last_used_ip) == (first, "198.51.100.4")  # no write
    ApiToken.objects.update(last_used_at=first - dt.timedelta(seconds=61))
    _client(key, ip="198.51.100.9").get("/api/v1/customers/")
    token.refresh_from_db()
    assert token.last_used_ip == "198.51.100.9" and token.last_used_at > first


def test_last_use_ip_behind_a_trusted_proxy(manager, settings) -> None:
    settings.TRUSTED_PROXY_IPS = ["10.0.0.1"]
    key = issue_api_token(manager, actor=None)
    _client(key, ip="10.0.0.1").get("/api/v1/customers/", HTTP_X_REAL_IP="192.0.2.55")
    assert _token(key).last_used_ip == "192.0.2.55"


# --- special scopes in code ------------------------------------------------------------------


def test_token_has_scope_and_the_permission(support_user, api_client_for) -> None:
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class Receipt(APIView):
        permission_classes = [RequireTokenScope.of("comms:integration")]

        def post(self, request: Any) -> Response:
            return Response({"integration": token_has_scope(request, "comms:integration")})

    factory = APIRequestFactory()
    with_scope = issue_api_token(support_user, actor=None, scopes=["comms:integration"])
    without = issue_api_token(support_user, actor=None)
    for key, status in ((with_scope, 200), (without, 403)):
        request = factory.post("/x/", {}, format="json", HTTP_AUTHORIZATION=f"Token {key}")
        assert Receipt.as_view()(request).status_code == status
    session = factory.post("/x/", {}, format="json")
    session.user = support_user  # a browser session never carries special scopes
    from rest_framework.test import force_authenticate

    force_authenticate(session, user=support_user)
    assert Receipt.as_view()(session).status_code == 403
    with pytest.raises(ValueError):
        RequireTokenScope.of("comms:unknown")


# --- the page and the command ----------------------------------------------------------------


def test_page_issues_a_scoped_token_and_revokes_one(client_for, admin_user, support_user) -> None:
    client = client_for(admin_user)
    url = f"/admin-area/users/{support_user.pk}/"
    page = client.get(url).content.decode()
    assert 'name="scope_tickets"' in page and 'name="scope_compliance"' not in page
    issued = client.post(
        url,
        {
            "action": "issue_token",
            "name": "Ticket bot",
            "expires_in_days": "30",
            "scope_tickets": str(Access.WRITE.value),
            "scope_customers": str(Access.READ.value),
            "scope_leads": "0",
            "special": ["comms:integration"],
        },
    )
    assert issued.status_code == 200
    key = issued.context["new_key"]
    token = _token(key)
    assert token.name == "Ticket bot"
    assert token.scopes == ["customers:read", "tickets:write", "comms:integration"]
    assert dt.timedelta(days=29) < token.expires_at - timezone.now() <= dt.timedelta(days=30)
    listed = client.get(url).content.decode()
    assert "tickets:write" in listed and "Ticket bot" in listed and key not in listed
    other = issue_api_token(support_user, actor=None)
    revoked = client.post(url, {"action": "revoke_token", "token": token.pk})
    assert revoked.status_code == 302
    assert list(ApiToken.objects.values_list("prefix", flat=True)) == [other[:8]]


def test_page_refuses_a_scope_above_the_role(client_for, admin_user, support_user) -> None:
    client = client_for(admin_user)
    url = f"/admin-area/users/{support_user.pk}/"
    refused = client.post(url, {"action": "issue_token", "scope_customers": "2"})
    assert refused.status_code == 400
    assert "scope_customers" in refused.context["token_form"].errors
    assert not ApiToken.objects.exists()


def test_page_shows_expired_tokens_and_last_use(client_for, admin_user, manager) -> None:
    key = issue_api_token(manager, actor=None, name="Old dialer")
    ApiToken.objects.update(
        expires_at=timezone.now() - dt.timedelta(days=1),
        last_used_at=timezone.now() - dt.timedelta(days=2),
        last_used_ip="192.0.2.1",
    )
    page = client_for(admin_user).get(f"/admin-area/users/{manager.pk}/").content.decode()
    assert "Expired" in page and "192.0.2.1" in page and key[:8] in page


def test_command_takes_scopes_and_days(manager) -> None:
    out = io.StringIO()
    call_command(
        "create_api_token", manager.username, "--scope", "calls:write", "--days", "7", stdout=out
    )
    token = _token(out.getvalue().strip())
    assert token.scopes == ["calls:write"]
    assert token.expires_at - timezone.now() <= dt.timedelta(days=7)
    with pytest.raises(CommandError, match="scopes"):
        call_command("create_api_token", manager.username, "--scope", "administration:write")


# --- tokens issued before scopes existed -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_migration_gives_old_tokens_their_role_scopes_and_30_days(roles) -> None:
    from django.db.migrations.executor import MigrationExecutor

    before = ("accounts", "0009_role_read_scope")
    after = ("accounts", "0010_token_scopes_expiry")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old_apps = executor.loader.project_state([before]).apps
    User = old_apps.get_model("accounts", "User")
    Role = old_apps.get_model("accounts", "Role")
    user = User.objects.create(username="legacy", role=Role.objects.get(slug="support"))
    root = User.objects.create(username="root", is_superuser=True)
    for owner, digest in ((user, "a" * 64), (root, "b" * 64)):
        old_apps.get_model("accounts", "ApiToken").objects.create(
            user=owner, key_hash=digest, prefix=digest[:8]
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([after])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    legacy = ApiToken.objects.get(user__username="legacy")
    expected = sorted(
        f"{a.module}:{'write' if a.level == 2 else 'read'}"
        for a in RoleModuleAccess.objects.filter(role__slug="support", level__gt=0)
    )
    assert legacy.scopes == expected
    left = legacy.expires_at - timezone.now()
    assert dt.timedelta(days=29) < left <= dt.timedelta(days=30)
    assert "administration:write" in ApiToken.objects.get(user__username="root").scopes
