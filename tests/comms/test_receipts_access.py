"""Delivery and read receipts: only a provider integration (a role with the integration
capability, the Integration role by default) may post them; each change is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from factories import make_customer

from clientdesk.accounts.models import Role
from clientdesk.comms import services
from clientdesk.comms.models import Message, MessageStatus
from clientdesk.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(manager: Any, admin_user: Any, django_capture_on_commit_callbacks: Any) -> dict:
    customer = make_customer(actor=admin_user, email="c@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        messages = services.queue_customer_message(
            customer, actor=manager, event="customer_status_changed",
            context={"old_status": "Pending", "new_status": "Active"},
        )  # fmt: skip
    for message in messages:
        message.refresh_from_db()
    return {m.channel: m for m in messages}


def _receipt_events(message: Message) -> int:
    return AuditEvent.objects.filter(
        object_type="comms.message", object_id=str(message.pk), action="update"
    ).count()


@pytest.mark.parametrize("role", ["sales", "support", "manager", "compliance", "admin"])
def test_staff_are_refused(role: str, user_factory: Any, api_client_for: Any, sent: dict) -> None:
    client = api_client_for(user_factory(role), token=True)
    for channel, action in (("sms", "delivered"), ("in_app", "read")):
        message = sent[channel]
        assert client.post(f"/api/v1/messages/{message.pk}/{action}/").status_code == 403
        assert _receipt_events(message) == 0
    sent["sms"].refresh_from_db()
    sent["in_app"].refresh_from_db()
    assert sent["sms"].status == MessageStatus.SENT and sent["in_app"].read_at is None
    assert client.post("/api/v1/messages/999999/delivered/").status_code == 403  # no probing


def test_the_integration_posts_receipts_once_each_audited(
    integration: Any, api_client_for: Any, sent: dict
) -> None:
    client = api_client_for(integration, token=True)
    sms, in_app = sent["sms"], sent["in_app"]
    for _ in range(2):  # a repeated receipt changes nothing and records nothing
        assert client.post(f"/api/v1/messages/{sms.pk}/delivered/").status_code == 200
        assert client.post(f"/api/v1/messages/{in_app.pk}/read/").status_code == 200
    assert _receipt_events(sms) == _receipt_events(in_app) == 1
    event = AuditEvent.objects.filter(object_id=str(sms.pk), action="update").get()
    assert event.actor == integration and event.changes["status"]["new"] == "delivered"
    in_app.refresh_from_db()
    assert in_app.read_at is not None


def test_the_capability_is_what_counts(
    client_for: Any, admin_user: Any, manager: Any, api_client_for: Any, sent: dict
) -> None:
    role = Role.objects.get(slug="manager")
    form = {
        f"scope_{role.pk}": "all",
        f"capabilities_{role.pk}": "1",
        f"capability_{role.pk}": ["lift_block", "edit_templates", "integration"],
    }
    assert client_for(admin_user).post(reverse("accounts:roles"), form).status_code == 302
    manager = type(manager).objects.get(pk=manager.pk)
    response = api_client_for(manager).post(f"/api/v1/messages/{sent['sms'].pk}/delivered/")
    assert response.status_code == 200
