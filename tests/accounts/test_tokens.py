"""API tokens: stored only as hashes, shown once, rotated with an audit record."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from clientdesk.accounts.models import ApiToken
from clientdesk.accounts.services import issue_api_token
from clientdesk.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _get(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/v1/customers/").status_code


def test_key_is_never_stored_and_authenticates(manager):
    key = issue_api_token(manager, actor=None)
    stored = ApiToken.objects.get(user=manager)
    assert key not in (stored.key_hash, stored.prefix)
    assert stored.prefix == key[:8]
    assert _get(key) == 200
    assert _get(key + "x") == 401


def test_rotate_revokes_older_tokens_and_is_audited(manager):
    old = issue_api_token(manager, actor=None)
    new = issue_api_token(manager, actor=None, rotate=True)
    assert _get(old) == 401
    assert _get(new) == 200
    event = AuditEvent.objects.filter(object_type="accounts.apitoken").latest("seq")
    assert event.changes["revoked"] == 1
    assert new not in str(event.changes)


def test_inactive_user_token_refused(manager):
    key = issue_api_token(manager, actor=None)
    manager.is_active = False
    manager.save()
    assert _get(key) == 401


def test_only_admins_issue_tokens_in_the_app(manager, admin_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        issue_api_token(admin_user, actor=manager)
    assert issue_api_token(manager, actor=admin_user)


def test_command_prints_a_working_key(manager):
    out = io.StringIO()
    call_command("create_api_token", manager.username, stdout=out)
    assert _get(out.getvalue().strip()) == 200
