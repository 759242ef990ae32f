"""Consent per purpose: history kept, withdrawal at once, the outbox refuses marketing
without it and says why."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from factories import make_customer

from clientdesk.comms import services as comms
from clientdesk.comms.models import MessageStatus
from clientdesk.core.models import AuditEvent
from clientdesk.privacy import consent, services
from clientdesk.privacy.selectors import consent_history, current_consents, has_consent

pytestmark = pytest.mark.django_db

EVENT = "customer_status_changed"  # any event, declared marketing for the test


@pytest.fixture
def marketing(monkeypatch: Any) -> None:
    monkeypatch.setattr(consent, "MARKETING_EVENTS", {EVENT})


def _record(customer: Any, actor: Any, purpose: str, granted: bool, **extra: Any) -> Any:
    return services.record_consent(
        customer, actor=actor, purpose=purpose, granted=granted, notice_version="v3",
        source="app", **extra,
    )  # fmt: skip


def test_history_and_the_consent_in_force(dpo: Any) -> None:
    customer = make_customer()
    _record(customer, dpo, "marketing_sms", True)
    _record(customer, dpo, "data_sharing", True, partner="CIBIL")
    assert has_consent(customer, "marketing_sms")
    _record(customer, dpo, "marketing_sms", False)
    assert not has_consent(customer, "marketing_sms")  # at once
    assert has_consent(customer, "data_sharing", "CIBIL")
    assert not has_consent(customer, "data_sharing", "Other partner")
    history = list(consent_history(customer))
    assert len(history) == 3
    now = {(c.purpose, c.partner): c.granted for c in current_consents(history)}
    assert now == {("marketing_sms", ""): False, ("data_sharing", "CIBIL"): True}
    record = history[0]
    assert (record.notice_version, record.source, record.recorded_by) == ("v3", "app", dpo)
    actions = AuditEvent.objects.filter(object_type="privacy.consentrecord")
    assert sorted(actions.values_list("action", flat=True)) == [
        "consent_given", "consent_given", "consent_withdrawn",
    ]  # fmt: skip


def test_consent_input_is_checked(dpo: Any, sales_user: Any) -> None:
    customer = make_customer()
    with pytest.raises(ValidationError) as exc:
        _record(customer, dpo, "data_sharing", True)
    assert "partner" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.record_consent(
            customer, actor=dpo, purpose="x", granted=True, notice_version="", source="y"
        )
    with pytest.raises(PermissionDenied):
        _record(customer, sales_user, "marketing_sms", True)


def _queue(customer: Any, actor: Any, channel: str) -> Any:
    return comms.queue_customer_message(
        customer, actor=actor, event=EVENT, context={}, channel=channel
    )[0]


def test_outbox_refuses_marketing_without_consent(marketing: None, dpo: Any) -> None:
    customer = make_customer()
    message = _queue(customer, dpo, "email")
    assert message.status == MessageStatus.SKIPPED
    assert message.last_error == "skipped: no consent to marketing by email"
    _record(customer, dpo, "marketing_email", True)
    assert _queue(customer, dpo, "email").status != MessageStatus.SKIPPED
    _record(customer, dpo, "marketing_email", False)
    withdrawn = _queue(customer, dpo, "email")
    assert withdrawn.status == MessageStatus.SKIPPED
    assert withdrawn.last_error.startswith("skipped: consent to marketing by email withdrawn on")


def test_service_messages_need_no_consent(dpo: Any) -> None:
    customer = make_customer()
    assert EVENT not in consent.MARKETING_EVENTS
    assert _queue(customer, dpo, "email").status != MessageStatus.SKIPPED
