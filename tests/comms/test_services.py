"""Queueing, opt-outs, free-text messages, preferences and receipts."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from factories import make_customer, move_to

from clientdesk.activities.models import Activity
from clientdesk.comms import providers, services
from clientdesk.comms.models import ChannelPreference, Message, MessageLog, MessageStatus
from clientdesk.core.models import AuditEvent
from clientdesk.customers import services as customer_services

pytestmark = pytest.mark.django_db

STATUS_CONTEXT = {"old_status": "Pending", "new_status": "Active", "new_status_code": "active"}


def queue(customer, actor, **kwargs):
    kwargs.setdefault("event", "customer_status_changed")
    kwargs.setdefault("context", STATUS_CONTEXT)
    return services.queue_customer_message(customer, actor=actor, **kwargs)


def test_default_channels_of_a_status_change(customer, manager):
    messages = queue(customer, manager)
    assert [m.channel for m in messages] == ["email", "sms", "in_app"]
    assert {m.status for m in messages} == {MessageStatus.QUEUED}
    email, sms, in_app = messages
    assert email.to_address == customer.email
    assert sms.to_address == customer.mobile
    assert in_app.to_address == customer.client_id
    assert all(m.created_by == manager and m.next_attempt_at for m in messages)
    assert MessageLog.objects.filter(message__in=messages, status="queued").count() == 3


@pytest.mark.parametrize(
    "event, channels",
    [
        ("ticket_update", ["email", "in_app"]),
        ("ticket_survey", ["email", "sms"]),
        ("kyc_approved", ["email", "sms", "in_app"]),
        ("transaction_alert", ["sms", "push", "in_app"]),
    ],
)
def test_default_channels_per_event(customer, manager, event, channels):
    messages = services.queue_customer_message(customer, actor=manager, event=event, context={})
    assert [m.channel for m in messages] == channels


def test_every_queued_message_is_on_the_timeline(customer, manager):
    messages = queue(customer, manager)
    entries = Activity.objects.filter(customer=customer, kind="message").order_by("id")
    assert [a.data["message_id"] for a in entries] == [m.pk for m in messages]
    assert entries[0].body == "Email: Your ClientDesk account is now Active"
    assert entries[1].body.startswith("SMS: ClientDesk: your account")
    assert entries[0].subject_type == "customers.customer"
    customer.refresh_from_db()
    assert customer.last_activity_at == messages[-1].created_at


def test_one_channel_when_asked(customer, manager):
    [message] = queue(customer, manager, channel="whatsapp")
    assert message.channel == "whatsapp" and message.to_address == customer.mobile


def test_unknown_event_or_channel_is_a_field_error(customer, manager):
    with pytest.raises(ValidationError) as caught:
        queue(customer, manager, event="birthday")
    assert "event" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        queue(customer, manager, channel="pigeon")
    assert "channel" in caught.value.message_dict
    assert not Message.objects.exists()


def test_opted_out_channel_is_skipped_and_recorded(customer, sales_user, manager):
    services.set_preferences(customer, actor=sales_user, opted_out={"sms": True})
    with_callbacks = queue(customer, manager)
    email, sms, in_app = with_callbacks
    assert sms.status == MessageStatus.SKIPPED
    assert sms.last_error == "skipped: opted out"
    assert sms.next_attempt_at is None
    assert email.status == in_app.status == MessageStatus.QUEUED
    activity = Activity.objects.get(kind="message", data__message_id=sms.pk)
    assert activity.body.startswith("SMS (skipped: opted out): ")


def test_opted_out_messages_never_reach_a_provider(
    customer, sales_user, manager, django_capture_on_commit_callbacks
):
    services.set_preferences(customer, actor=sales_user, opted_out={"sms": True, "email": True})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        messages = queue(customer, manager)
    assert len(callbacks) == 1  # only in-app was queued for delivery
    assert providers.outbox == [] and mail.outbox == []
    assert [m.status for m in Message.objects.order_by("id")] == ["skipped", "skipped", "delivered"]
    assert len(messages) == 3


def test_channel_without_an_address_is_skipped(manager):
    customer = make_customer(email="")
    email, sms, _ = queue(customer, manager)
    assert email.status == MessageStatus.SKIPPED
    assert email.last_error == "skipped: no email address"
    assert sms.status == MessageStatus.QUEUED


def test_delivery_starts_on_commit(customer, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue(customer, manager)
    assert len(callbacks) == 3
    assert set(Message.objects.values_list("status", flat=True)) == {"queued"}
    for callback in callbacks:
        callback()
    statuses = dict(Message.objects.values_list("channel", "status"))
    assert statuses == {"email": "sent", "sms": "sent", "in_app": "delivered"}
    assert mail.outbox[0].to == [customer.email]
    assert mail.outbox[0].subject == "Your ClientDesk account is now Active"
    assert providers.outbox[0].to == customer.mobile
    in_app = Message.objects.get(channel="in_app")
    assert in_app.delivered_at and in_app.sent_at and in_app.attempts == 1


# --- the hook in customers.services.change_status ----------------------------------------


def test_changing_a_customers_status_queues_the_message_on_commit(
    customer, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.change_status(
            customer, actor=manager, to_status="active", reason="KYC complete"
        )
    messages = Message.objects.filter(customer=customer, event="customer_status_changed")
    assert sorted(messages.values_list("channel", flat=True)) == ["email", "in_app", "sms"]
    email = messages.get(channel="email")
    assert email.status == MessageStatus.SENT
    assert "changed from Pending to Active" in email.body
    assert "KYC complete" not in email.body  # the internal reason stays internal
    assert mail.outbox[0].to == [customer.email]


def test_no_message_when_the_status_change_does_not_commit(
    customer, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        customer_services.change_status(
            customer, actor=manager, to_status="blocked", reason="Fraud check"
        )
    assert not Message.objects.exists()  # nothing until the transaction commits
    assert len(callbacks) == 1


def test_a_failed_status_change_queues_nothing(
    customer, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        customer_services.change_status(customer, actor=manager, to_status="pending", reason="x")
    assert not Message.objects.exists()


# --- free-text messages from staff -------------------------------------------------------


def test_staff_sends_a_free_text_message(customer, sales_user):
    message = services.send_message(
        customer, actor=sales_user, channel="sms", subject="", body="  Your card is ready.  "
    )
    assert message.event == "manual" and message.status == MessageStatus.QUEUED
    assert message.body == "Your card is ready."
    audit = AuditEvent.objects.get(object_type="comms.message", object_id=str(message.pk))
    assert audit.actor == sales_user and audit.action == "create"
    assert Activity.objects.filter(kind="message", data__message_id=message.pk).exists()


@pytest.mark.parametrize(
    "data, field, text",
    [
        ({"channel": "fax", "body": "x"}, "channel", "Choose a channel."),
        ({"channel": "sms", "body": "  "}, "body", "Write the message."),
        ({"channel": "sms", "body": "x" * 5001}, "body", "5,000"),
        ({"channel": "sms", "body": "x", "subject": "s" * 201}, "subject", "200"),
    ],
)
def test_free_text_message_errors_name_the_field(customer, sales_user, data, field, text):
    data.setdefault("subject", "")
    with pytest.raises(ValidationError) as caught:
        services.send_message(customer, actor=sales_user, **data)
    assert text in " ".join(caught.value.message_dict[field])
    assert not Message.objects.exists()


def test_free_text_to_an_opted_out_channel_is_refused(customer, sales_user):
    services.set_preferences(customer, actor=sales_user, opted_out={"whatsapp": True})
    with pytest.raises(ValidationError) as caught:
        services.send_message(customer, actor=sales_user, channel="whatsapp", subject="", body="x")
    assert caught.value.message_dict["channel"] == ["The customer opted out of WhatsApp messages."]


def test_free_text_without_an_address_is_refused(manager):
    customer = make_customer(email="")
    with pytest.raises(ValidationError) as caught:
        services.send_message(customer, actor=manager, channel="email", subject="Hi", body="x")
    assert caught.value.message_dict["channel"] == ["The customer has no email address."]


# --- preferences -------------------------------------------------------------------------


def test_preferences_are_saved_audited_and_on_the_timeline(customer, sales_user):
    changed = services.set_preferences(
        customer, actor=sales_user, opted_out={"sms": True, "email": False}
    )
    assert changed == ["sms"]
    pref = ChannelPreference.objects.get(customer=customer, channel="sms")
    assert pref.opted_out and pref.updated_by == sales_user
    audit = AuditEvent.objects.filter(object_type="customers.customer", action="update").last()
    assert audit.changes == {"opt_out.sms": {"old": False, "new": True}}
    activity = Activity.objects.filter(customer=customer, kind="edit").first()
    assert activity.body == "Message preferences: opted out of SMS."
    # the same choice again changes nothing
    assert services.set_preferences(customer, actor=sales_user, opted_out={"sms": True}) == []
    assert services.set_preferences(customer, actor=sales_user, opted_out={"sms": False}) == ["sms"]
    assert services.opted_out_channels(customer) == set()


def test_unknown_channel_preference_is_refused(customer, manager):
    with pytest.raises(ValidationError) as caught:
        services.set_preferences(customer, actor=manager, opted_out={"fax": True})
    assert "channel" in caught.value.message_dict


# --- receipts ----------------------------------------------------------------------------


def _sent_message(customer, actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [message] = queue(customer, actor, channel="sms")
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    return message


def test_delivery_receipt_moves_sent_to_delivered_once(
    customer, manager, integration, django_capture_on_commit_callbacks
):
    message = _sent_message(customer, manager, django_capture_on_commit_callbacks)
    services.mark_delivered(
        message, actor=integration, provider_message_id=message.provider_message_id
    )
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.delivered_at
    first = message.delivered_at
    services.mark_delivered(message, actor=integration)  # a repeated receipt changes nothing
    message.refresh_from_db()
    assert message.delivered_at == first
    assert list(message.log.values_list("status", flat=True)) == ["queued", "sent", "delivered"]


def test_receipt_for_another_provider_id_is_refused(
    customer, manager, integration, django_capture_on_commit_callbacks
):
    message = _sent_message(customer, manager, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as caught:
        services.mark_delivered(message, actor=integration, provider_message_id="other")
    assert "provider_message_id" in caught.value.message_dict


def test_receipt_for_a_skipped_message_is_an_invalid_transition(customer, manager, integration):
    services.set_preferences(customer, actor=manager, opted_out={"sms": True})
    [message] = queue(customer, manager, channel="sms")
    with pytest.raises(ValidationError) as caught:
        services.mark_delivered(message, actor=integration)
    assert caught.value.error_dict["status"][0].code == "invalid_transition"


def test_only_in_app_messages_are_marked_read(
    customer, manager, integration, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email, _, in_app = queue(customer, manager)
    in_app.refresh_from_db()
    services.mark_read(in_app, actor=integration)
    in_app.refresh_from_db()
    assert in_app.read_at is not None
    email.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.mark_read(email, actor=integration)
    assert "channel" in caught.value.message_dict


# --- who may contact a customer ----------------------------------------------------------


def test_sales_contacts_only_their_own_customers(customer, sales_user, sales_user2):
    assert services.can_contact(sales_user, customer)
    assert not services.can_contact(sales_user2, customer)
    with pytest.raises(PermissionDenied):
        services.send_message(customer, actor=sales_user2, channel="sms", subject="", body="x")
    with pytest.raises(PermissionDenied):
        services.set_preferences(customer, actor=sales_user2, opted_out={"sms": True})


@pytest.mark.parametrize(
    "role, allowed", [("manager", True), ("admin", True), ("compliance", False)]
)
def test_contact_rights_by_role(customer, users_by_role, role, allowed):
    assert services.can_contact(users_by_role[role], customer) is allowed


def test_compliance_reads_but_cannot_send(customer, compliance):
    with pytest.raises(PermissionDenied):
        services.send_message(customer, actor=compliance, channel="sms", subject="", body="x")


def test_other_modules_can_widen_contact_rights(customer, support_user, monkeypatch):
    assert not services.can_contact(support_user, customer)
    monkeypatch.setattr(
        services, "CONTACT_RULES", [lambda user, c: user.pk == support_user.pk and c == customer]
    )
    assert services.can_contact(support_user, customer)


def test_system_events_need_no_messages_rights(customer, compliance):
    """A status change by Compliance still tells the customer: queueing is a side effect."""
    customer = move_to(customer, "active", actor=compliance)
    messages = queue(customer, compliance)
    assert len(messages) == 3
