"""Events from the domain services reach a real local receiver, signed per the spec."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from factories import make_customer
from standardwebhooks.webhooks import Webhook

from clientdesk.core.models import AuditEvent
from clientdesk.notifications.models import Notification
from clientdesk.webhooks import services
from clientdesk.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

from .conftest import spec_verify

pytestmark = pytest.mark.django_db


def _register(admin_user: Any, capture: Any, **data: Any) -> Any:
    with capture(execute=True):
        return make_customer(actor=admin_user, **data)


def test_customer_created_reaches_the_receiver_signed_and_masked(
    admin_user: Any, make_endpoint: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = make_endpoint(events=["customer.created"])
    customer = _register(admin_user, django_capture_on_commit_callbacks, pan="ABCPE1234F")

    assert len(receiver.requests) == 1
    got = receiver.requests[0]
    assert spec_verify(endpoint.secret, got.headers, got.body)
    # The reference implementation agrees.
    assert Webhook(endpoint.secret).verify(got.body, got.headers)["type"] == "customer.created"
    payload = got.json()
    assert payload["data"]["id"] == customer.pk
    assert payload["data"]["client_id"] == customer.client_id
    assert payload["data"]["pan_masked"] == "XXXXXX234F"
    text = got.body.decode()
    for clear in ("ABCPE1234F", customer.mobile, customer.first_name, customer.email or "@"):
        assert clear not in text, clear
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.message_id == got.headers["webhook-id"]
    assert delivery.response_status == 200 and delivery.duration_ms is not None
    assert WebhookAttempt.objects.get().succeeded


def test_a_wrong_secret_or_a_changed_body_does_not_verify(
    admin_user: Any, make_endpoint: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = make_endpoint(events=["customer.created"])
    _register(admin_user, django_capture_on_commit_callbacks)
    got = receiver.requests[0]
    other = services.signing.new_secret()
    assert not spec_verify(other, got.headers, got.body)
    assert not spec_verify(endpoint.secret, got.headers, got.body + b" ")
    stale = timezone.now().timestamp() + 10 * 60
    assert not spec_verify(endpoint.secret, got.headers, got.body, now=stale)


def test_unsubscribed_and_inactive_endpoints_get_nothing(
    admin_user: Any, make_endpoint: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_endpoint(events=["ticket.created"])
    make_endpoint(events=["customer.created"], is_active=False)
    _register(admin_user, django_capture_on_commit_callbacks)
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_rolled_back_service_emits_nothing(admin_user: Any, make_endpoint: Any) -> None:
    from django.db import transaction

    make_endpoint(events=["customer.created"])
    with pytest.raises(RuntimeError), transaction.atomic():
        make_customer(actor=admin_user)
        raise RuntimeError
    assert not WebhookDelivery.objects.exists()


def test_rotation_overlap_sends_both_signatures(
    admin_user: Any, make_endpoint: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = make_endpoint(events=["customer.created"])
    old = endpoint.secret
    endpoint = services.rotate_secret(endpoint, actor=admin_user)
    assert endpoint.secret != old
    _register(admin_user, django_capture_on_commit_callbacks)
    got = receiver.requests[-1]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert spec_verify(old, got.headers, got.body)  # a receiver not yet updated
    assert spec_verify(endpoint.secret, got.headers, got.body)  # an updated one
    assert Webhook(old).verify(got.body, got.headers)
    assert Webhook(endpoint.secret).verify(got.body, got.headers)

    # After the overlap only the new secret signs.
    endpoint.previous_secret_expires_at = timezone.now() - dt.timedelta(seconds=1)
    endpoint.save()
    _register(admin_user, django_capture_on_commit_callbacks)
    got = receiver.requests[-1]
    assert len(got.headers["webhook-signature"].split(" ")) == 1
    assert not spec_verify(old, got.headers, got.body)
    assert spec_verify(endpoint.secret, got.headers, got.body)
    rotation = AuditEvent.objects.filter(object_type="webhooks.webhookendpoint").last()
    assert rotation is not None and old not in json.dumps(rotation.changes)


def test_retry_delays_grow_exponentially_up_to_a_day(settings: Any) -> None:
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 60
    settings.WEBHOOKS_RETRY_MAX_SECONDS = 86400
    delays = [services.retry_delay(n).total_seconds() for n in range(1, 14)]
    assert delays[:4] == [60, 120, 240, 480]
    assert all(b >= a for a, b in itertools.pairwise(delays))
    assert max(delays) == 86400 and delays[-1] == 86400


def _due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


@override_settings(WEBHOOKS_MAX_ATTEMPTS=3, WEBHOOKS_DISABLE_AFTER_FAILURES=100)
def test_failures_are_retried_on_schedule_then_failed(
    admin_user: Any, make_endpoint: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_endpoint(events=["customer.created"])
    receiver.status = 500
    before = timezone.now()
    _register(admin_user, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.response_status == 500
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 60 <= wait < 70
    assert services.deliver(delivery.pk) == ""  # not due yet: nothing sent
    assert len(receiver.requests) == 1

    _due(delivery)
    assert services.retry_due() == 1  # the scheduled job enqueues it (immediate backend)
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
    assert wait == 120
    _due(delivery)
    assert services.deliver(delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert delivery.next_attempt_at is None
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert ids == {delivery.message_id}  # every retry carries the same webhook-id
    assert list(delivery.log.values_list("number", flat=True)) == [1, 2, 3]


def test_a_retry_then_success_resets_the_failure_streak(
    admin_user: Any, make_endpoint: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    endpoint = make_endpoint(events=["customer.created"])
    receiver.statuses = [503]
    _register(admin_user, django_capture_on_commit_callbacks)
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1
    delivery = WebhookDelivery.objects.get()
    _due(delivery)
    assert services.deliver(delivery.pk) == DeliveryStatus.SUCCEEDED
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0 and endpoint.last_success_at is not None


@override_settings(WEBHOOKS_DISABLE_AFTER_FAILURES=3, WEBHOOKS_DISABLE_AFTER_HOURS=0)
def test_repeated_failures_disable_the_endpoint_and_notify_admins(
    admin_user: Any,
    manager: Any,
    make_endpoint: Any,
    receiver: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    endpoint = make_endpoint(events=["customer.created"])
    receiver.status = 500
    for _ in range(3):
        _register(admin_user, django_capture_on_commit_callbacks)
    endpoint.refresh_from_db()
    assert not endpoint.is_active and endpoint.disabled_at is not None
    assert "3 failed attempts" in endpoint.disabled_reason
    notes = Notification.objects.filter(title__startswith="Webhook endpoint disabled")
    assert list(notes.values_list("recipient", flat=True)) == [admin_user.pk]  # not the manager
    assert AuditEvent.objects.filter(
        object_type="webhooks.webhookendpoint", object_id=str(endpoint.pk), actor=None
    ).exists()
    # Pending retries of a disabled endpoint are not sent; new events are not queued.
    pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).first()
    assert pending is not None
    _due(pending)
    assert services.deliver(pending.pk) == ""
    pending.refresh_from_db()
    assert pending.status == DeliveryStatus.FAILED
    count = WebhookDelivery.objects.count()
    _register(admin_user, django_capture_on_commit_callbacks)
    assert WebhookDelivery.objects.count() == count
    # Enabling it again clears the streak.
    endpoint = services.update_endpoint(endpoint, actor=admin_user, data={"is_active": True})
    assert endpoint.consecutive_failures == 0 and endpoint.disabled_at is None


def test_resend_sends_the_same_message_again_and_is_audited(
    admin_user: Any, make_endpoint: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_endpoint(events=["customer.created"])
    _register(admin_user, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.resend(delivery, actor=admin_user)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    assert AuditEvent.objects.filter(
        object_type="webhooks.webhookdelivery", object_id=str(delivery.pk), actor=admin_user
    ).exists()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING)
    with pytest.raises(ValidationError, match="cannot become"):
        services.resend(delivery, actor=admin_user)  # already on its way


def test_redirects_are_not_followed(
    admin_user: Any, make_endpoint: Any, receiver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_endpoint(events=["customer.created"])
    receiver.status = 302
    _register(admin_user, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.response_status == 302
