"""The profile-review SOP: recorded as an activity with its checklist; profile shows who/when."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from factories import make_customer

from clientdesk.activities.models import Activity, Kind
from clientdesk.customers import services

pytestmark = pytest.mark.django_db


def test_review_records_checklist_and_stamps_reviewer(admin_user, manager, client_for):
    customer = make_customer(actor=admin_user)
    services.review_profile(
        customer,
        actor=manager,
        checklist={"contact_verified": True, "no_pending_tickets": True},
        notes="Called to confirm the new address.",
    )
    customer.refresh_from_db()
    assert customer.last_reviewed_by == manager and customer.last_reviewed_at
    activity = Activity.objects.filter(customer=customer, kind=Kind.REVIEW).get()
    assert activity.data["checklist"] == {
        "contact_verified": True,
        "no_pending_tickets": True,
        "recent_activity_logged": False,
    }
    assert "Open points: Recent activity logged." in activity.body
    page = client_for(manager).get(f"/customers/{customer.pk}/")
    assert manager.display_name in page.content.decode()


def test_review_refuses_unknown_items_and_roles_without_activities(admin_user, user_factory):
    customer = make_customer(actor=admin_user)
    with pytest.raises(ValidationError):
        services.review_profile(customer, actor=admin_user, checklist={"bogus": True})
    no_role = user_factory(None)
    with pytest.raises(PermissionDenied):
        services.review_profile(customer, actor=no_role, checklist={})


def test_review_page_post(admin_user, manager, client_for):
    customer = make_customer(actor=admin_user)
    response = client_for(manager).post(
        f"/customers/{customer.pk}/review/",
        {"contact_verified": "on", "recent_activity_logged": "on"},
    )
    assert response.status_code == 302
    assert Activity.objects.filter(customer=customer, kind=Kind.REVIEW).exists()
