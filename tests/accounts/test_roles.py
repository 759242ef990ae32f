"""The role matrix page: Admins edit module access; every change is audited."""

from __future__ import annotations

import pytest
from django.test import Client

from clientdesk.accounts.models import Role, RoleModuleAccess
from clientdesk.core.models import AuditEvent
from clientdesk.core.permissions import Access, Module, has_access

pytestmark = pytest.mark.django_db


def _form(roles: list[Role]) -> dict[str, str]:
    data: dict[str, str] = {}
    for role in roles:
        for access in role.module_access.all():
            data[f"level_{role.pk}_{access.module}"] = str(access.level)
        if role.can_view_sensitive:
            data[f"sensitive_{role.pk}"] = "on"
        data[f"scope_{role.pk}"] = role.edit_scope
    return data


def test_admin_changes_a_level_and_it_takes_effect(admin_user, support_user):
    client = Client()
    client.force_login(admin_user)
    page = client.get("/admin-area/roles/")
    assert page.status_code == 200
    assert b"Sensitive identifiers" in page.content
    roles = list(Role.objects.prefetch_related("module_access"))
    data = _form(roles)
    support = Role.objects.get(slug="support")
    data[f"level_{support.pk}_{Module.CUSTOMERS}"] = str(Access.NONE)
    response = client.post("/admin-area/roles/", data)
    assert response.status_code == 302
    level = RoleModuleAccess.objects.get(role=support, module=Module.CUSTOMERS).level
    assert level == Access.NONE
    support_user.refresh_from_db()
    assert not has_access(support_user, Module.CUSTOMERS)
    event = AuditEvent.objects.filter(action="permission_change").latest("seq")
    assert event.object_id == str(support.pk)
    assert event.changes[Module.CUSTOMERS] == {"old": Access.READ, "new": Access.NONE}


def test_unchanged_form_writes_no_audit_record(admin_user):
    client = Client()
    client.force_login(admin_user)
    before = AuditEvent.objects.filter(action="permission_change").count()
    client.post("/admin-area/roles/", _form(list(Role.objects.prefetch_related("module_access"))))
    assert AuditEvent.objects.filter(action="permission_change").count() == before


@pytest.mark.parametrize("fixture", ["sales_user", "manager", "compliance"])
def test_other_roles_cannot_see_or_change_roles(fixture, request):
    client = Client()
    client.force_login(request.getfixturevalue(fixture))
    assert client.get("/admin-area/roles/").status_code == 403
    assert client.post("/admin-area/roles/", {}).status_code == 403
