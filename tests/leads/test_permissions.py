"""Who may do what with leads: module access per role, and the owner rule for writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from read_scopes import set_read_scope

from clientdesk.leads import services
from clientdesk.leads.models import Lead, LeadStatus

from .conftest import lead_data

pytestmark = pytest.mark.django_db

S = LeadStatus
ROLES = ["sales", "support", "manager", "compliance", "admin"]
# Leads module access by the default roles: Read & Write / Read.
WRITERS = {"sales", "manager", "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(
    role: str, users_by_role: dict[str, Any], client_for: Any, lead: Lead
) -> None:
    client = client_for(users_by_role[role])
    for name, args in (("leads:list", []), ("leads:board", []), ("leads:detail", [lead.pk])):
        assert client.get(reverse(name, args=args)).status_code == 200
    expected = 200 if role in WRITERS else 403
    assert client.get(reverse("leads:create")).status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_api_by_role(
    role: str, users_by_role: dict[str, Any], api_client_for: Callable[..., Any], lead: Lead
) -> None:
    client = api_client_for(users_by_role[role])
    assert client.get("/api/v1/leads/").status_code == 200
    assert client.get(f"/api/v1/leads/{lead.pk}/").status_code == 200
    response = client.post("/api/v1/leads/", lead_data(), format="json")
    assert response.status_code == (201 if role in WRITERS else 403)


@pytest.mark.parametrize(
    ("role", "owns", "allowed"),
    [
        ("sales", True, True),
        ("sales", False, False),
        ("support", False, False),
        ("compliance", False, False),
        ("manager", False, True),
        ("admin", False, True),
    ],
)
def test_write_rule_owner_or_all_scope(
    role: str,
    owns: bool,
    allowed: bool,
    user_factory: Callable[..., Any],
    lead_factory: Callable[..., Lead],
    client_for: Any,
    api_client_for: Callable[..., Any],
    sales_user2: Any,
) -> None:
    user = user_factory(role)
    lead = lead_factory(owner=user if owns else sales_user2)
    assert services.can_edit(user, lead) is allowed
    # Another's lead is not even readable for Sales (read scope "own"): 404. Reading all,
    # the write rule still refuses (403).
    page = client_for(user)
    if role == "sales" and not owns:
        assert page.get(reverse("leads:edit", args=[lead.pk])).status_code == 404
        set_read_scope("sales", "leads", "all", user)
    # Page: the edit form and a status change.
    assert page.get(reverse("leads:edit", args=[lead.pk])).status_code == (200 if allowed else 403)
    page.post(reverse("leads:status", args=[lead.pk]), {"status": S.CONTACTED})
    assert Lead.objects.get(pk=lead.pk).status == (S.CONTACTED if allowed else S.NEW)
    # API: a partial update.
    response = api_client_for(user).patch(
        f"/api/v1/leads/{lead.pk}/", {"city": "Thane"}, format="json"
    )
    assert response.status_code == (200 if allowed else 403)


def test_no_role_sees_nothing(
    user_factory: Callable[..., Any],
    client_for: Any,
    api_client_for: Callable[..., Any],
    lead: Lead,
) -> None:
    nobody = user_factory(None)
    assert client_for(nobody).get(reverse("leads:list")).status_code == 403
    assert api_client_for(nobody).get(f"/api/v1/leads/{lead.pk}/").status_code == 403
    assert Lead.objects.visible_to(nobody).count() == 0


def test_activity_needs_activities_write(
    client_for: Any, user_factory: Callable[..., Any], roles: Any, lead: Lead
) -> None:
    from clientdesk.accounts.models import RoleModuleAccess

    RoleModuleAccess.objects.filter(role=roles["support"], module="activities").update(level=1)
    support = user_factory("support")
    response = client_for(support).post(
        reverse("leads:add_activity", args=[lead.pk]), {"kind": "note", "body": "x"}
    )
    assert response.status_code == 403
