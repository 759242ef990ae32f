"""Risk profiles: factor registry, computation, re-verification dates, audited overrides."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from clientdesk.core.models import AuditEvent
from clientdesk.screening import risk, services
from clientdesk.screening.models import RiskProfile, ScreeningHit

pytestmark = pytest.mark.django_db


def profile(customer: Any) -> RiskProfile:
    return RiskProfile.objects.get(customer=customer)


def points(p: RiskProfile) -> dict[str, int]:
    return {f["name"]: f["points"] for f in p.factors}


def test_registration_rates_the_customer(register: Any) -> None:
    customer = register("Asha", "Verma")  # India, Karnataka, Engineer, 5-10 lakh
    p = profile(customer)
    assert (p.score, p.level) == (0, "low")
    assert {"screening_hits", "country", "state", "occupation", "income_band"} <= set(points(p))
    customer.refresh_from_db()
    assert (customer.risk_level, customer.risk_score) == ("low", 0)
    opened = timezone.localdate(customer.account_opened_at)
    assert customer.next_reverification_on == opened.replace(year=opened.year + 10)


def test_factors_add_up_to_a_level(register: Any) -> None:
    customer = register("Ravi", "Kumar", occupation="Politician", income_band="above_1cr")
    p = profile(customer)
    assert points(p)["occupation"] == 25 and points(p)["income_band"] == 10
    assert (p.score, p.level) == (35, "medium")
    opened = timezone.localdate(customer.account_opened_at)
    assert p.next_reverification_on == opened.replace(year=opened.year + 8)


def test_country_and_state_lists(register: Any) -> None:
    iran = register("Reza", "Tehrani", country="IR", postal_code="")
    assert points(profile(iran))["country"] == 50 and profile(iran).level == "high"
    kashmir = register("Omar", "Dar", state="Jammu and Kashmir")
    assert points(profile(kashmir))["state"] == 10


def test_input_change_recomputes(register: Any, admin_user: Any) -> None:
    from clientdesk.customers import services as customer_services

    customer = register("Asha", "Verma")
    with TestCase.captureOnCommitCallbacks(execute=True):
        customer_services.update_customer(
            customer, actor=admin_user, data={"occupation": "Bullion dealer"}
        )
    assert points(profile(customer))["occupation"] == 15
    assert "occupation" in profile(customer).computed_reason


def test_confirmed_hit_feeds_the_profile(pep_list: Any, register: Any, compliance: Any) -> None:
    customer = register("Aadhya", "Sharma")
    assert profile(customer).score == 0  # an open hit is not counted
    hit = ScreeningHit.objects.get(customer=customer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.decide_hit(
            hit, actor=compliance, to_status="confirmed", reason="Same DOB and city"
        )
    p = profile(customer)
    assert points(p)["screening_hits"] == 50 and p.level == "high"  # a confirmed PEP: High
    customer.refresh_from_db()
    assert customer.risk_level == "high"
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.decide_hit(hit, actor=compliance, to_status="dismissed", reason="Passport differs")
    assert profile(customer).score == 0


def test_decision_needs_a_reason_and_follows_the_table(
    pep_list: Any, register: Any, compliance: Any, sales_user: Any
) -> None:
    customer = register("Aadhya", "Sharma")
    hit = ScreeningHit.objects.get(customer=customer)
    with pytest.raises(ValidationError) as exc:
        services.decide_hit(hit, actor=compliance, to_status="confirmed", reason="  ")
    assert "reason" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.decide_hit(hit, actor=compliance, to_status="open", reason="Reopen this please")
    assert "status" in exc.value.error_dict
    with pytest.raises(PermissionDenied):
        services.decide_hit(hit, actor=sales_user, to_status="dismissed", reason="Not the same one")
    hit.refresh_from_db()
    assert hit.status == "open"


def test_override_needs_a_reason_and_is_audited(register: Any, compliance: Any) -> None:
    customer = register("Asha", "Verma")
    with pytest.raises(ValidationError) as exc:
        services.override_risk(customer, actor=compliance, level="high", reason="")
    assert "reason" in exc.value.error_dict
    p = services.override_risk(
        customer, actor=compliance, level="high", reason="Adverse media reported in 2024"
    )
    assert (p.level, p.computed_level, p.overridden_by) == ("high", "low", compliance)
    customer.refresh_from_db()
    assert customer.risk_level == "high"
    opened = timezone.localdate(customer.account_opened_at)
    assert customer.next_reverification_on == opened.replace(year=opened.year + 2)
    event = AuditEvent.objects.filter(object_type="screening.riskprofile").get()
    assert event.changes["override_level"] == {"old": "", "new": "high"}
    assert event.actor == compliance
    # a recompute keeps the override; clearing it returns to the computed level
    services.recompute_risk(customer, reason="test")
    assert profile(customer).level == "high"
    services.override_risk(customer, actor=compliance, level="", reason="Media report withdrawn")
    customer.refresh_from_db()
    assert customer.risk_level == "low"


def test_override_is_for_compliance_only(register: Any, sales_user: Any, manager: Any) -> None:
    customer = register("Asha", "Verma")
    for user in (sales_user, manager):  # the manager may read compliance, not write
        with pytest.raises(PermissionDenied):
            services.override_risk(customer, actor=user, level="high", reason="Because I say so")


def test_registered_factor_from_another_app(register: Any) -> None:
    risk.register_factor("test_alerts", "Monitoring alerts", lambda c: (30, "3 alerts"))
    try:
        customer = register("Asha", "Verma")
        p = profile(customer)
        assert points(p)["test_alerts"] == 30 and p.level == "medium"
        assert {
            "name": "test_alerts",
            "label": "Monitoring alerts",
            "points": 30,
            "explanation": "3 alerts",
        } in p.factors
    finally:
        risk.unregister_factor("test_alerts")


def test_a_broken_factor_counts_zero(register: Any) -> None:
    def broken(customer: Any) -> tuple[int, str]:
        raise RuntimeError("boom")

    risk.register_factor("test_broken", "Broken", broken)
    try:
        p = profile(register("Asha", "Verma"))
        assert points(p)["test_broken"] == 0 and p.level == "low"
    finally:
        risk.unregister_factor("test_broken")


def test_request_recompute_runs_once_on_commit(register: Any) -> None:
    customer = register("Asha", "Verma")
    RiskProfile.objects.filter(customer=customer).update(score=99)
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks, transaction.atomic():
        risk.request_recompute(customer, reason="KYC check failed")
        risk.request_recompute(customer, reason="alert raised")
    assert len(callbacks) == 1
    assert profile(customer).score == 0
    assert profile(customer).computed_reason == "KYC check failed; alert raised"


def test_rolled_back_request_is_dropped(register: Any) -> None:
    customer = register("Asha", "Verma")
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                risk.request_recompute(customer, reason="never")
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == []


def test_level_thresholds_and_leap_day(settings: Any) -> None:
    assert [risk.level_for(s) for s in (0, 24, 25, 49, 50, 100)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]
    assert services._add_years(dt.date(2024, 2, 29), 2) == dt.date(2026, 2, 28)


def test_recompute_command(register: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    customer = register("Asha", "Verma")
    RiskProfile.objects.filter(customer=customer).delete()
    out = StringIO()
    call_command("recompute_risk", stdout=out)
    assert "Recomputed 1" in out.getvalue() and profile(customer).level == "low"


@pytest.fixture
def sanctions_list(db: None, pep_file: Any) -> Any:
    return services.load_list_version(
        actor=None,
        source="pep",
        path=pep_file,
        name="Demo sanctions",
        category="sanctions",
        rescreen=False,
    ).version


def test_confirmed_sanctions_hit_blocks_at_once(
    sanctions_list: Any, register: Any, compliance: Any
) -> None:
    customer = register("Aadhya", "Sharma")
    hit = ScreeningHit.objects.get(customer=customer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.decide_hit(hit, actor=compliance, to_status="confirmed", reason="Same person")
    customer.refresh_from_db()
    assert customer.status == "blocked"


def test_confirmed_sanctions_hit_blocks_through_approval(
    sanctions_list: Any, register: Any, compliance: Any, manager: Any, approvals_on: Any
) -> None:
    from clientdesk.approvals import services as approvals
    from clientdesk.approvals.models import ApprovalRequest

    customer = register("Aadhya", "Sharma")
    hit = ScreeningHit.objects.get(customer=customer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.decide_hit(hit, actor=compliance, to_status="confirmed", reason="Same person")
    customer.refresh_from_db()
    assert customer.status != "blocked"
    request = ApprovalRequest.objects.get(action_key="customer.block_close")
    assert "sanctions" in request.payload["reason"]
    approvals.approve(request, actor=manager)
    customer.refresh_from_db()
    assert customer.status == "blocked"
