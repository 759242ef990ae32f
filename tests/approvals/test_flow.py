"""Maker-checker: request -> diff -> approve/reject; self-approval refused; expiry; pages, API,
re-verification buckets and the grace-period restriction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import TestCase
from django.utils import timezone
from factories import make_customer

from clientdesk.approvals import reverification, services
from clientdesk.approvals.gate import PendingApproval
from clientdesk.approvals.models import (
    ApprovalRequest,
    RequestStatus,
    Restriction,
    Reverification,
)
from clientdesk.core.models import AuditEvent
from clientdesk.customers.models import Customer
from clientdesk.customers.services import change_status

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("approvals_on")]


def _active(admin_user: Any, **overrides: Any) -> Customer:
    customer = make_customer(actor=admin_user, **overrides)
    Customer.objects.filter(pk=customer.pk).update(status="active")
    customer.refresh_from_db()
    return customer


@pytest.fixture
def active(admin_user: Any, sales_user: Any) -> Customer:
    return _active(admin_user, assigned_to=sales_user)


def _block(customer: Customer, actor: Any) -> ApprovalRequest:
    with pytest.raises(PendingApproval) as exc:
        change_status(customer, actor=actor, to_status="blocked", reason="Fraud suspected")
    return exc.value.request


def test_block_waits_for_a_second_person(active: Customer, manager: Any, compliance: Any) -> None:
    request = _block(active, manager)
    active.refresh_from_db()
    assert active.status == "active"  # nothing applied yet
    assert request.before == {"status": "active"}
    assert request.after["status"] == "blocked"
    assert [r[0] for r in request.diff_rows() if r[3]] == ["status", "reason"]
    services.approve(request, actor=compliance, reason="Agreed")
    active.refresh_from_db()
    request.refresh_from_db()
    assert active.status == "blocked" and request.status == RequestStatus.APPROVED
    assert request.checker == compliance
    status_audit = AuditEvent.objects.filter(
        object_type="customers.customer", action="status_change"
    ).last()
    assert status_audit.actor == manager  # applied through the same service, as the maker


def test_maker_never_approves_own_request(active: Customer, manager: Any) -> None:
    request = _block(active, manager)
    with pytest.raises(ValidationError) as exc:
        services.approve(request, actor=manager)
    assert "second person" in " ".join(exc.value.messages)
    active.refresh_from_db()
    assert active.status == "active"


def test_reject_needs_a_reason_and_changes_nothing(
    active: Customer, manager: Any, compliance: Any
) -> None:
    request = _block(active, manager)
    with pytest.raises(ValidationError):
        services.reject(request, actor=compliance, reason=" ")
    services.reject(request, actor=compliance, reason="Not enough evidence")
    request.refresh_from_db()
    active.refresh_from_db()
    assert request.status == RequestStatus.REJECTED and active.status == "active"
    with pytest.raises(ValidationError):
        services.approve(request, actor=compliance)


def test_requests_expire(active: Customer, manager: Any, compliance: Any) -> None:
    request = _block(active, manager)
    later = timezone.now() + dt.timedelta(hours=73)
    assert services.expire_due(now=later) == 1
    request.refresh_from_db()
    assert request.status == RequestStatus.EXPIRED
    with pytest.raises(ValidationError):
        services.approve(request, actor=compliance)


def test_role_not_in_policy_may_not_approve(
    active: Customer, compliance: Any, manager: Any, admin_user: Any
) -> None:
    services.save_policy(
        "customer.block_close", actor=admin_user, enabled=True, approver_roles=["admin"],
        expiry_hours=24,
    )  # fmt: skip
    request = _block(active, compliance)
    assert request.expires_at - request.created_at == dt.timedelta(hours=24)
    with pytest.raises(PermissionDenied):
        services.approve(request, actor=manager)
    services.approve(request, actor=admin_user)


def test_disabled_policy_applies_at_once(active: Customer, manager: Any, admin_user: Any) -> None:
    services.save_policy(
        "customer.block_close", actor=admin_user, enabled=False, approver_roles=[],
        expiry_hours=72,
    )  # fmt: skip
    change_status(active, actor=manager, to_status="blocked", reason="Fraud")
    active.refresh_from_db()
    assert active.status == "blocked"


def test_suspend_is_not_gated(active: Customer, manager: Any) -> None:
    change_status(active, actor=manager, to_status="suspended", reason="Holiday")
    assert not ApprovalRequest.objects.exists()


def test_risk_override_flow(active: Customer, compliance: Any, manager: Any) -> None:
    from clientdesk.screening.services import override_risk

    with pytest.raises(PendingApproval) as exc:
        override_risk(active, actor=compliance, level="high", reason="Adverse media")
    request = exc.value.request
    assert request.after["override_level"] == "high"
    services.approve(request, actor=manager)
    active.refresh_from_db()
    assert active.risk_level == "high"


def test_rule_change_flow(compliance: Any, manager: Any) -> None:
    from clientdesk.transactions.services import create_rule, update_rule

    rule = create_rule(
        actor=compliance,
        data={"name": "Big", "rule_type": "amount_threshold", "parameters": {"amount": 100}},
    )
    with pytest.raises(PendingApproval) as exc:
        update_rule(rule, actor=compliance, data={"severity": "high", "enabled": False})
    request = exc.value.request
    assert request.before["enabled"] is True and request.after["enabled"] is False
    services.approve(request, actor=manager)
    rule.refresh_from_db()
    assert rule.enabled is False and rule.severity == "high"


def test_role_matrix_change_through_the_page(
    client_for: Any, admin_user: Any, roles: dict[str, Any], user_factory: Any
) -> None:
    role = roles["sales"]
    level = role.module_access.get(module="reports").level
    data = {f"scope_{role.pk}": role.edit_scope, f"level_{role.pk}_reports": "2"}
    response = client_for(admin_user).post("/admin-area/roles/", data)
    assert response.status_code == 302
    assert role.module_access.get(module="reports").level == level  # not applied
    request = ApprovalRequest.objects.get(action_key="accounts.role_matrix")
    assert request.after == {"Sales User: reports": 2}
    with pytest.raises(ValidationError):
        services.approve(request, actor=admin_user)
    other = user_factory("admin", username="admin2")
    services.approve(request, actor=other)
    assert role.module_access.get(module="reports").level == 2


def test_large_export_needs_approval_once(
    client_for: Any, manager: Any, compliance: Any, settings: Any, admin_user: Any
) -> None:
    settings.APPROVALS_EXPORT_ROWS = 1
    make_customer(actor=admin_user)
    make_customer(actor=admin_user)
    client = client_for(manager)
    response = client.get("/customers/?export=csv")
    assert response.status_code == 302
    request = ApprovalRequest.objects.get(action_key="export.large")
    assert request.payload["rows"] >= 2
    with pytest.raises(PermissionDenied):  # exports: Manager or Admin approve by default
        services.approve(request, actor=compliance)
    services.approve(request, actor=admin_user)
    assert client.get("/customers/?export=csv").status_code == 200
    assert client.get("/customers/?export=csv").status_code == 302  # once only
    assert ApprovalRequest.objects.filter(action_key="export.large").count() == 2


def test_api_answers_202_and_decides(
    api_client_for: Any, active: Customer, manager: Any, compliance: Any
) -> None:
    response = api_client_for(manager).post(
        f"/api/v1/customers/{active.pk}/status/",
        {"status": "closed", "reason": "Customer asked"},
        format="json",
    )
    assert response.status_code == 202, response.content
    assert response.json()["code"] == "pending_approval"
    pk = response.json()["approval_request"]
    own = api_client_for(manager).post(f"/api/v1/approvals/{pk}/approve/", {}, format="json")
    assert own.status_code == 400
    listed = api_client_for(compliance).get("/api/v1/approvals/?status=pending")
    assert [r["id"] for r in listed.json()["results"]] == [pk]
    done = api_client_for(compliance).post(f"/api/v1/approvals/{pk}/approve/", {}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    active.refresh_from_db()
    assert active.status == "closed"


def test_pages_and_query_pins(
    client_for: Any,
    active: Customer,
    manager: Any,
    compliance: Any,
    admin_user: Any,
    django_assert_num_queries: Any,
) -> None:
    for _ in range(3):
        other = _active(admin_user)
        _block(other, manager)
    client = client_for(compliance)
    client.get("/approvals/")  # warm the session
    with django_assert_num_queries(7):
        page = client.get("/approvals/")
    assert page.status_code == 200 and b"Block or close a customer" in page.content
    pk = ApprovalRequest.objects.first().pk
    with django_assert_num_queries(8):
        detail = client.get(f"/approvals/{pk}/")
    assert b"Approve and apply" in detail.content
    mine = client_for(manager).get(f"/approvals/{pk}/")
    assert b"second person" in mine.content
    response = client.post(f"/approvals/{pk}/", {"decision": "approve"})
    assert response.status_code == 302
    assert ApprovalRequest.objects.get(pk=pk).status == "approved"
    admin = client_for(admin_user)
    admin.get("/approvals/settings/")  # warm the session
    with django_assert_num_queries(8):
        assert admin.get("/approvals/settings/").status_code == 200
    with django_assert_num_queries(7):
        assert client.get("/approvals/reverification/?bucket=overdue").status_code == 200


def test_page_sends_for_approval(client_for: Any, active: Customer, manager: Any) -> None:
    response = client_for(manager).post(
        f"/customers/{active.pk}/status/", {"status": "blocked", "reason": "Fraud"}, follow=True
    )
    assert b"Sent for approval" in response.content
    active.refresh_from_db()
    assert active.status == "active"


def test_dashboard_card(client_for: Any, active: Customer, manager: Any, compliance: Any) -> None:
    _block(active, manager)
    page = client_for(compliance).get("/")
    assert b"Approvals waiting" in page.content


# --- re-verification -------------------------------------------------------------------------


def _due(customer: Customer, day: dt.date) -> None:
    Customer.objects.filter(pk=customer.pk).update(next_reverification_on=day)


def test_buckets(admin_user: Any, settings: Any) -> None:
    settings.REVERIFICATION_GRACE_DAYS = 30
    today = dt.date(2026, 12, 7)
    assert reverification.bucket_of(today + dt.timedelta(days=30), today) == "upcoming"
    assert reverification.bucket_of(today + dt.timedelta(days=31), today) == ""
    assert reverification.bucket_of(today, today) == "due"
    assert reverification.bucket_of(today - dt.timedelta(days=29), today) == "due"
    assert reverification.bucket_of(today - dt.timedelta(days=30), today) == "overdue"
    soon, due, late = (_active(admin_user) for _ in range(3))
    _due(soon, today + dt.timedelta(days=10))
    _due(due, today - dt.timedelta(days=1))
    _due(late, today - dt.timedelta(days=40))
    found = {b: list(reverification.queue(admin_user, b, today)) for b in reverification.BUCKETS}
    assert found == {"upcoming": [soon], "due": [due], "overdue": [late]}


def test_daily_job_notifies_flags_and_restricts(
    admin_user: Any, sales_user: Any, settings: Any
) -> None:
    settings.REVERIFICATION_RESTRICT = True
    today = timezone.localdate()
    customer = _active(admin_user, assigned_to=sales_user)
    _due(customer, today - dt.timedelta(days=45))
    with TestCase.captureOnCommitCallbacks(execute=True):
        counts = reverification.run_daily(today)
    assert counts["notified"] == 1 and counts["restricted"] == 1
    row = Reverification.objects.get(customer=customer)
    assert row.task.assignee == sales_user
    assert customer.messages.filter(event="kyc_resubmission").exists()
    assert reverification.run_daily(today)["notified"] == 0  # idempotent
    reason = Restriction.objects.get(customer=customer).reason
    assert "Re-verification overdue" in reason

    from clientdesk.transactions.intake import intake_transactions

    result = _intake(intake_transactions, customer, admin_user)
    assert reason in str(result)
    _due(customer, today + dt.timedelta(days=365))
    assert reverification.run_daily(today)["cleared"] == 1
    assert not Restriction.objects.filter(customer=customer).exists()


def test_flag_only_when_restriction_off(admin_user: Any, settings: Any) -> None:
    settings.REVERIFICATION_RESTRICT = False
    today = timezone.localdate()
    customer = _active(admin_user)
    _due(customer, today - dt.timedelta(days=45))
    counts = reverification.run_daily(today)
    assert counts["flagged"] == 1 and not Restriction.objects.exists()


def _intake(intake: Any, customer: Customer, actor: Any) -> Any:
    row = {
        "transaction_id": "T-restricted-1",
        "customer": customer.client_id,
        "type": "deposit",
        "amount": "100.00",
        "currency": "INR",
        "occurred_at": (timezone.now() - dt.timedelta(minutes=5)).isoformat(),
    }
    try:
        return intake([row], actor=actor, source="test")
    except Exception as exc:  # a rejected batch carries the row errors
        return getattr(exc, "result", exc)
