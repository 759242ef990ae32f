"""Who sees and logs calls, role by role (Sales and Support: own calls; the rest: all)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from clientdesk.calls import services
from clientdesk.calls.models import CallLog

from .conftest import row

pytestmark = pytest.mark.django_db

SEES_ALL = {"sales": False, "support": False, "manager": True, "compliance": True, "admin": True}
MAY_LOG = {"sales": True, "support": True, "manager": True, "compliance": False, "admin": True}


@pytest.mark.parametrize("role", sorted(SEES_ALL))
def test_visibility_by_role(role, users_by_role, sales_user2):
    services.log_call(actor=sales_user2, data=row(notes="a colleague's call"))
    user = users_by_role[role]
    if MAY_LOG[role]:
        services.log_call(actor=user, data=row())
    visible = CallLog.objects.visible_to(user)
    assert visible.count() == (2 if SEES_ALL[role] and MAY_LOG[role] else 1)
    assert visible.filter(staff=sales_user2).exists() == SEES_ALL[role]


@pytest.mark.parametrize("role", sorted(MAY_LOG))
def test_logging_by_role(role, users_by_role, client_for, api_client_for, customer):
    user = users_by_role[role]
    if MAY_LOG[role]:
        services.log_call(actor=user, data=row())
        services.intake_calls(actor=user, rows=[row()])
    else:
        with pytest.raises(PermissionDenied):
            services.log_call(actor=user, data=row())
    api = api_client_for(user).post("/api/v1/calls/", row(), format="json")
    assert api.status_code == (201 if MAY_LOG[role] else 403)
    page = client_for(user).post(
        f"/calls/customer/{customer.pk}/log/",
        {"number": customer.mobile, "direction": "outgoing", "status": "completed"},
    )
    assert page.status_code == (302 if MAY_LOG[role] else 403)


def test_no_role_sees_nothing(user_factory, manager):
    services.log_call(actor=manager, data=row())
    assert not CallLog.objects.visible_to(user_factory(None, username="nobody")).exists()
