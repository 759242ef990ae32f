"""Capabilities: rules once written as role slugs, now ticked per role on the matrix and
checked through ``clientdesk.core.scopes.has_capability`` (one place decides)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from factories import make_customer

from clientdesk.accounts import services as accounts
from clientdesk.accounts.models import Role, RoleCapability
from clientdesk.comms.services import can_edit_templates
from clientdesk.core.models import AuditEvent
from clientdesk.core.scopes import Capability, has_capability
from clientdesk.customers import services as customers
from clientdesk.tickets.services import pick_support_user

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[2] / "src" / "clientdesk"


def held(slug: str) -> set[str]:
    return set(RoleCapability.objects.filter(role__slug=slug).values_list("capability", flat=True))


def test_defaults_keep_what_the_slugs_decided(users_by_role: dict[str, Any]) -> None:
    assert held("support") == {"round_robin"}
    assert held("manager") == held("admin") == {"lift_block", "edit_templates"}
    assert held("sales") == held("compliance") == set()
    assert held("integration") == {"integration"}
    assert can_edit_templates(users_by_role["manager"])
    assert not can_edit_templates(users_by_role["sales"])


def test_no_role_slug_is_compared_in_code() -> None:
    pattern = re.compile(r"role\.slug\s*(==|!=|in)|role__slug\s*=|PRIVILEGED_ROLE|SUPPORT_ROLE")
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "migrations" not in path.parts
        and not path.name.startswith("demo")
        and pattern.search(path.read_text())
    ]
    assert offenders == []


def _tick(client: Any, slug: str, capabilities: list[str]) -> None:
    role = Role.objects.get(slug=slug)
    form = {
        f"scope_{role.pk}": role.edit_scope,
        f"capabilities_{role.pk}": "1",
        f"capability_{role.pk}": capabilities,
    }
    if role.can_view_sensitive:
        form[f"sensitive_{role.pk}"] = "on"
    assert client.post(reverse("accounts:roles"), form).status_code == 302


def test_round_robin_follows_the_matrix(
    client_for: Any, admin_user: Any, support_user: Any, sales_user: Any
) -> None:
    assert pick_support_user() == support_user
    client = client_for(admin_user)
    _tick(client, "support", [])
    _tick(client, "sales", ["round_robin"])
    assert pick_support_user() == sales_user
    event = AuditEvent.objects.filter(action="permission_change").latest("seq")
    assert event.changes["capabilities"] == {"old": "", "new": "round_robin"}


def test_lifting_a_block_follows_the_matrix(
    client_for: Any, admin_user: Any, manager: Any, compliance: Any
) -> None:
    customer = make_customer(actor=admin_user)
    customer = customers.change_status(customer, actor=admin_user, to_status="blocked", reason="x")
    with pytest.raises(PermissionDenied):
        customers.change_status(customer, actor=compliance, to_status="active", reason="ok")
    _tick(client_for(admin_user), "compliance", ["lift_block"])
    compliance = type(compliance).objects.get(pk=compliance.pk)
    assert has_capability(compliance, Capability.LIFT_BLOCK)
    customer = customers.change_status(customer, actor=compliance, to_status="active", reason="ok")
    assert customer.status == "active"
    # the profile's activation checks do not apply: it was active before the block


def test_a_form_without_the_marker_keeps_capabilities(client_for: Any, admin_user: Any) -> None:
    role = Role.objects.get(slug="manager")
    client = client_for(admin_user)
    assert client.post(reverse("accounts:roles"), {f"scope_{role.pk}": "all"}).status_code == 302
    assert held("manager") == {"lift_block", "edit_templates"}


def test_last_admin_guard_reads_the_matrix_not_the_slug(admin_user: Any, manager: Any) -> None:
    """Who counts as an Admin: Users & roles at Read & Write. Another such user lets the
    last Admin-role user change role; none refuses."""
    sales = Role.objects.get(slug="sales")
    with pytest.raises(ValidationError):
        accounts.update_user(admin_user, actor=admin_user, data={"role": sales})
    other = type(admin_user).objects.create(username="admin2", role=Role.objects.get(slug="admin"))
    with pytest.raises(ValidationError):  # still: nobody takes away their own Admin role
        accounts.update_user(admin_user, actor=admin_user, data={"role": sales})
    accounts.update_user(admin_user, actor=other, data={"role": sales})
    admin_user.refresh_from_db()
    assert admin_user.role == sales
