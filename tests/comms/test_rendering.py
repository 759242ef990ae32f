"""Templates per event: the seeded defaults render, and the sandbox holds."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from factories import make_customer

from clientdesk.comms import events, rendering, services
from clientdesk.comms.defaults import DEFAULT_TEMPLATES
from clientdesk.comms.models import Channel, MessageTemplate

pytestmark = pytest.mark.django_db

FUTURE_EVENTS = ("kyc_approved", "kyc_rejected", "kyc_resubmission", "transaction_alert")


def test_every_event_has_a_seeded_template_for_every_channel():
    seeded = set(MessageTemplate.objects.values_list("event", "channel"))
    expected = {(e, c) for e in events.EVENTS for c in Channel.values}
    assert seeded == expected
    assert set(FUTURE_EVENTS) <= set(events.EVENTS)


@pytest.mark.parametrize("event", sorted(events.EVENTS))
def test_each_event_renders_its_variables_on_every_channel(event):
    spec = events.EVENTS[event]
    context = services.sample_context(event)
    for template in MessageTemplate.objects.filter(event=event):
        subject, body = rendering.render_message(template.subject, template.body, context)
        assert body and "{{" not in body and "{%" not in body
        if template.channel in (Channel.EMAIL, Channel.PUSH, Channel.IN_APP):
            assert subject, template
    email = MessageTemplate.objects.get(event=event, channel=Channel.EMAIL)
    subject, body = rendering.render_message(email.subject, email.body, context)
    assert "Asha" in body
    for name, value in spec.sample.items():
        if not name.endswith("_code"):
            assert str(value) in subject + body, (event, name)


def test_queueing_renders_with_the_callers_context(customer, manager):
    [message] = services.queue_customer_message(
        customer,
        actor=manager,
        event="ticket_update",
        channel="email",
        context={
            "ticket_number": "TK-000777",
            "ticket_subject": "Nominee change",
            "ticket_status": "Resolved",
            "update_text": "Your nominee is updated.",
        },
    )
    assert message.subject == "Update on your request TK-000777: Nominee change"
    assert message.body.startswith(f"Dear {customer.first_name},")
    assert "Status: Resolved" in message.body and "Your nominee is updated." in message.body


def test_status_template_branches_on_the_status_code(customer, manager):
    active, blocked = (
        services.queue_customer_message(
            customer,
            actor=manager,
            event="customer_status_changed",
            channel="email",
            context={"old_status": "Pending", "new_status": label, "new_status_code": code},
        )[0]
        for code, label in (("active", "Active"), ("blocked", "Blocked"))
    )
    assert "You can now use all our services." in active.body
    assert "support@" in blocked.body and "all our services" not in blocked.body


def test_the_context_holds_plain_values_only(customer, manager):
    """A template cannot walk from a value it was given to a field it was not given."""
    template = MessageTemplate.objects.get(event="kyc_rejected", channel="sms")
    template.body = "[{{ customer.mobile }}][{{ customer.pan }}][{{ reason.pan }}][{{ reason }}]"
    template.save()
    [message] = services.queue_customer_message(
        customer, actor=manager, event="kyc_rejected", channel="sms", context={"reason": customer}
    )
    assert message.body == f"[][][][{customer}]"
    assert customer.pan not in message.body


def test_callers_cannot_replace_customer_or_company(customer):
    values = rendering.build_context(customer, {"customer": {"first_name": "Mallory"}})
    assert values["customer"]["first_name"] == customer.first_name


def test_output_is_plain_text_not_html_escaped():
    customer = make_customer(first_name="Zoë", last_name="O'Brien & Sons")
    values = rendering.build_context(customer, {"note": "<b>5 > 3</b>"})
    assert rendering.render("{{ customer.full_name }} {{ note }}", values) == (
        "Zoë O'Brien & Sons <b>5 > 3</b>"
    )


def test_plain_turns_dates_numbers_and_nesting_into_safe_values():
    import datetime as dt
    from decimal import Decimal

    assert rendering.plain(dt.date(2024, 6, 11)) == "11 Jun 2024"
    assert rendering.plain(Decimal("12.50")) == Decimal("12.50")
    assert rendering.plain({"ok": 1, "bad key": 2, "nested": [object]}) == {
        "ok": 1,
        "nested": [str(object)],
    }


@pytest.mark.parametrize(
    "source, message",
    [
        ('{% include "base.html" %}', "not allowed"),
        ("{% extends 'base.html' %}", "not allowed"),
        ("{% load humanize %}{{ 1|intcomma }}", "not allowed"),
        ("{% debug %}", "not allowed"),
        ("{% if %}", "Template error"),
        ("{{ customer.first_name|nosuchfilter }}", "Template error"),
    ],
)
def test_unsafe_or_broken_templates_are_refused_on_save(manager, source, message):
    template = MessageTemplate.objects.get(event="kyc_approved", channel="email")
    with pytest.raises(ValidationError) as caught:
        services.update_template(template, actor=manager, subject="Hi", body=source)
    assert message in " ".join(caught.value.message_dict["body"])
    template.refresh_from_db()
    assert "verified your documents" in template.body  # nothing half-written


def test_subject_is_required_where_the_channel_shows_one(manager):
    template = MessageTemplate.objects.get(event="kyc_approved", channel="push")
    with pytest.raises(ValidationError) as caught:
        services.update_template(template, actor=manager, subject=" ", body="Approved.")
    assert "subject" in caught.value.message_dict


def test_manager_edits_a_template_and_it_is_audited(manager):
    from clientdesk.core.models import AuditEvent

    template = MessageTemplate.objects.get(event="kyc_approved", channel="sms")
    services.update_template(
        template, actor=manager, subject="", body="Hi {{ customer.first_name }}, KYC approved."
    )
    template.refresh_from_db()
    assert template.body == "Hi {{ customer.first_name }}, KYC approved."
    assert template.updated_by == manager
    event = AuditEvent.objects.get(object_type="comms.messagetemplate", object_id=str(template.pk))
    assert event.action == "update" and "body" in event.changes


@pytest.mark.parametrize("role", ["sales", "support", "compliance"])
def test_only_managers_and_admins_edit_templates(users_by_role, role):
    template = MessageTemplate.objects.get(event="kyc_approved", channel="sms")
    with pytest.raises(PermissionDenied):
        services.update_template(template, actor=users_by_role[role], subject="", body="x")


def test_defaults_cover_the_documented_channels():
    for event, channels in DEFAULT_TEMPLATES.items():
        assert set(channels) == set(Channel.values), event
