"""Fixtures shared by every test: roles, one user per role, logged-in clients, sample data.

The default roles come from the migration (``accounts/0002_default_roles``); the tests use
them as installed, so a change to the role table shows up here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from factories import UserFactory, make_customer, valid_customer_data
from rest_framework.test import APIClient

from clientdesk.accounts.models import Role
from clientdesk.accounts.services import issue_api_token


@pytest.fixture
def roles(db: None) -> dict[str, Role]:
    """The default roles installed by the migration, by slug.

    A transactional test (threads, live server) flushes the tables afterwards, migration
    rows included, so they are installed again when missing.
    """
    from clientdesk.accounts.models import RoleCapability, RoleModuleAccess
    from clientdesk.accounts.roles import install_default_roles

    if not Role.objects.exists():
        install_default_roles(Role, RoleModuleAccess, RoleCapability)
    found = {role.slug: role for role in Role.objects.all()}
    assert {"sales", "support", "manager", "compliance", "admin"} <= set(found)
    return found


@pytest.fixture
def user_factory(roles: dict[str, Role]) -> Callable[..., Any]:
    """``user_factory("sales")`` -> a new active user with that role (no role for None)."""

    def make(role_slug: str | None = None, **kwargs: Any) -> Any:
        return UserFactory(role=roles[role_slug] if role_slug else None, **kwargs)

    return make


@pytest.fixture
def sales_user(user_factory: Callable[..., Any]) -> Any:
    return user_factory("sales", username="sales1")


@pytest.fixture
def sales_user2(user_factory: Callable[..., Any]) -> Any:
    return user_factory("sales", username="sales2")


@pytest.fixture
def support_user(user_factory: Callable[..., Any]) -> Any:
    return user_factory("support", username="support1")


@pytest.fixture
def manager(user_factory: Callable[..., Any]) -> Any:
    return user_factory("manager", username="manager1")


@pytest.fixture
def compliance(user_factory: Callable[..., Any]) -> Any:
    return user_factory("compliance", username="compliance1")


@pytest.fixture
def admin_user(user_factory: Callable[..., Any]) -> Any:
    """An Admin-role user. Not a superuser: rights come from the role alone."""
    return user_factory("admin", username="admin1", is_superuser=False, is_staff=False)


@pytest.fixture
def users_by_role(
    sales_user: Any, support_user: Any, manager: Any, compliance: Any, admin_user: Any
) -> dict[str, Any]:
    return {
        "sales": sales_user,
        "support": support_user,
        "manager": manager,
        "compliance": compliance,
        "admin": admin_user,
    }


@pytest.fixture
def api_client_for(db: None) -> Callable[..., APIClient]:
    """``api_client_for(user)``: force-authenticated; ``token=True`` sends a real Token."""

    def make(user: Any = None, *, token: bool = False) -> APIClient:
        client = APIClient()
        if user is not None:
            if token:
                key = issue_api_token(user, actor=None)
                client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
            else:
                client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def client_for(db: None) -> Callable[[Any], Client]:
    """``client_for(user)``: a Django test client with a logged-in session."""

    def make(user: Any = None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def valid_data() -> dict[str, Any]:
    """A valid Indian customer (mobile 9876543210, PAN ABCPE1234F, Verhoeff-valid Aadhaar)."""
    return valid_customer_data()


@pytest.fixture
def customer(admin_user: Any, sales_user: Any) -> Any:
    """A Pending customer assigned to ``sales_user``, registered with the sample data."""
    return make_customer(actor=admin_user, assigned_to=sales_user, **_sample_identifiers())


def _sample_identifiers() -> dict[str, Any]:
    data = valid_customer_data()
    keys = ("first_name", "last_name", "mobile", "email", "pan", "aadhaar", "id_type", "id_number")
    return {k: data[k] for k in keys}


@pytest.fixture(autouse=True)
def _approvals_off(settings):
    """Maker-checker is on in every deployment; the suite tests services directly, so it is
    off here by configuration. tests/approvals switch it on (``approvals_on``)."""
    settings.APPROVALS_ENABLED = False


@pytest.fixture
def approvals_on(settings):
    settings.APPROVALS_ENABLED = True
    return settings
