"""The requests register end to end, per request type; legal holds; breaches; audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from factories import make_customer

from clientdesk.core import audit
from clientdesk.core.models import AuditEvent
from clientdesk.customers.models import Status, StatusChange
from clientdesk.privacy import holds, services
from clientdesk.privacy.models import Breach, DataRequest, Kind, Regime, RequestStatus
from clientdesk.transactions.models import Alert

pytestmark = pytest.mark.django_db


def _new(actor: Any, customer: Any, kind: str = Kind.ACCESS, **extra: Any) -> DataRequest:
    data = {"kind": kind, "regime": Regime.GDPR, "customer": customer, "requester_name": "Self"}
    return services.create_request(actor=actor, data=data | extra)


@pytest.mark.parametrize("kind", Kind.values)
def test_each_request_type_end_to_end(dpo: Any, kind: str) -> None:
    customer = make_customer(status=Status.CLOSED) if kind == Kind.ERASURE else make_customer()
    if kind == Kind.ERASURE:  # the relationship ended long ago: no legal hold
        StatusChange.objects.filter(customer=customer).update(
            created_at=timezone.now() - dt.timedelta(days=6 * 366)
        )
    req = _new(dpo, customer, kind)
    assert req.number.startswith("DPR-") and req.status == RequestStatus.RECEIVED
    with pytest.raises(ValidationError, match="Verify the requester's identity first"):
        services.change_status(req, actor=dpo, to_status=RequestStatus.IN_PROGRESS)
    req = services.verify_identity(req, actor=dpo, method="id_document", note="Passport seen")
    assert req.status == RequestStatus.VERIFIED and req.identity_verified_by == dpo
    req = services.change_status(req, actor=dpo, to_status=RequestStatus.IN_PROGRESS)
    with pytest.raises(ValidationError, match="response"):
        services.change_status(req, actor=dpo, to_status=RequestStatus.COMPLETED)
    req = services.change_status(
        req, actor=dpo, to_status=RequestStatus.COMPLETED, response="Done.", evidence="Ref 42"
    )
    assert req.status == RequestStatus.COMPLETED and req.closed_at is not None
    assert req.allowed_transitions() == []
    actions = list(
        AuditEvent.objects.filter(object_type="privacy.datarequest", object_id=str(req.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "verify_identity", "status_change", "status_change"]
    assert audit.verify().ok


def test_due_date_follows_the_regime_setting(dpo: Any, settings: Any) -> None:
    settings.PRIVACY_DUE_DAYS = {"gdpr": 30, "dpdp": 45}
    received = timezone.now() - dt.timedelta(days=1)
    customer = make_customer()
    gdpr = _new(dpo, customer, received_at=received)
    dpdp = _new(dpo, customer, regime=Regime.DPDP, received_at=received)
    assert gdpr.due_at == received + dt.timedelta(days=30)
    assert dpdp.due_at == received + dt.timedelta(days=45)


def test_a_request_about_a_lead(dpo: Any, admin_user: Any, sales_user: Any) -> None:
    from leads.conftest import make_lead

    lead = make_lead(actor=admin_user, owner=sales_user)
    req = services.create_request(
        actor=dpo,
        data={"kind": Kind.ACCESS, "regime": "dpdp", "lead": lead, "requester_name": "Self"},
    )
    assert req.person == lead and req.customer is None
    with pytest.raises(ValidationError) as exc:
        services.create_request(
            actor=dpo, data={"kind": Kind.ACCESS, "regime": "gdpr", "requester_name": "x"}
        )
    assert "customer" in exc.value.message_dict


def test_bad_input_is_named(dpo: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_request(actor=dpo, data={"kind": "nope", "regime": ""})
    assert set(exc.value.message_dict) == {"kind", "regime", "customer", "requester_name"}


def test_only_privacy_writers(user_factory: Any, compliance: Any, admin_user: Any) -> None:
    customer = make_customer()
    for role in ("sales", "support", "manager"):
        with pytest.raises(PermissionDenied):
            _new(user_factory(role), customer)
    assert _new(compliance, customer).pk and _new(admin_user, customer).pk


def test_refuse_and_withdraw(dpo: Any) -> None:
    customer = make_customer()
    refused = services.change_status(
        _new(dpo, customer), actor=dpo, to_status=RequestStatus.REFUSED, response="Not verified"
    )
    assert refused.status == RequestStatus.REFUSED
    withdrawn = services.change_status(
        _new(dpo, customer), actor=dpo, to_status=RequestStatus.WITHDRAWN
    )
    assert withdrawn.closed_at is not None
    with pytest.raises(ValidationError, match="cannot move"):
        services.change_status(withdrawn, actor=dpo, to_status=RequestStatus.IN_PROGRESS)


# --- erasure and its legal reasons ----------------------------------------------------------


def _verified_erasure(dpo: Any, customer: Any) -> DataRequest:
    return services.verify_identity(_new(dpo, customer, Kind.ERASURE), actor=dpo, method="otp")


def _complete(dpo: Any, req: DataRequest) -> DataRequest:
    return services.change_status(
        req, actor=dpo, to_status=RequestStatus.COMPLETED, response="Erased."
    )


def test_erasure_refused_while_the_relationship_is_active(dpo: Any) -> None:
    customer = make_customer(status=Status.ACTIVE)
    assert [h.code for h in holds.erasure_holds(customer)] == ["relationship_active"]
    with pytest.raises(ValidationError, match="still active"):
        _complete(dpo, _verified_erasure(dpo, customer))


def test_erasure_refused_under_five_years_after_the_end(dpo: Any) -> None:
    customer = make_customer(status=Status.CLOSED)
    found = holds.erasure_holds(customer)
    assert [h.code for h in found] == ["pmla_retention"] and "PMLA" in found[0].law
    with pytest.raises(ValidationError, match="5 years"):
        _complete(dpo, _verified_erasure(dpo, customer))
    later = timezone.now() + dt.timedelta(days=5 * 366)
    assert holds.erasure_holds(customer, now=later) == []


def test_erasure_refused_with_an_open_alert_then_allowed(dpo: Any) -> None:
    customer = make_customer(status=Status.CLOSED)
    StatusChange.objects.filter(customer=customer).update(
        created_at=timezone.now() - dt.timedelta(days=6 * 366)
    )
    alert = Alert.objects.create(
        kind="blocked_attempt", customer=customer, severity="high", status="triggered",
        title="Blocked", dedupe_key="privacy-test", created_at=timezone.now(),
    )  # fmt: skip
    req = _verified_erasure(dpo, customer)
    with pytest.raises(ValidationError, match="monitoring alert"):
        _complete(dpo, req)
    Alert.objects.filter(pk=alert.pk).update(status="dismissed")
    assert _complete(dpo, req).status == RequestStatus.COMPLETED


def test_other_apps_register_legal_holds(dpo: Any) -> None:
    customer = make_customer(status=Status.CLOSED)
    StatusChange.objects.filter(customer=customer).update(
        created_at=timezone.now() - dt.timedelta(days=6 * 366)
    )
    hold = holds.Hold("case_open", "An investigation is open.", "Legal hold")
    holds.register("test.case", lambda c: [hold] if c.pk == customer.pk else [])
    try:
        with pytest.raises(ValidationError, match="investigation"):
            _complete(dpo, _verified_erasure(dpo, customer))
    finally:
        holds._checks.pop("test.case")


# --- breaches -------------------------------------------------------------------------------


def test_breach_deadlines_and_affected_customers(dpo: Any, settings: Any) -> None:
    settings.PRIVACY_DPDP_BREACH_HOURS = 48
    pune = [make_customer(city="Pune"), make_customer(city="Pune")]
    make_customer(city="Delhi")
    detected = timezone.now() - dt.timedelta(hours=2)
    breach = services.record_breach(
        actor=dpo,
        data={"title": "Leak", "description": "Emails", "detected_at": detected,
              "detected_by": "SOC", "customer_filter": "?city=Pune"},
    )  # fmt: skip
    assert breach.affected_count == 2
    assert set(services.affected_customers(breach.customer_filter)) == set(pune)
    assert breach.gdpr_deadline == detected + dt.timedelta(hours=72)
    assert breach.dpdp_deadline == detected + dt.timedelta(hours=48)
    breach = services.change_breach_status(breach, actor=dpo, to_status="notified")
    assert breach.authority_notified_at is not None
    with pytest.raises(ValidationError):
        services.change_breach_status(breach, actor=dpo, to_status="open")
    assert Breach.objects.count() == 1 and audit.verify().ok
