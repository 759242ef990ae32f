"""Cases: opening and merging, the transition table, four eyes, reopening, mentions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from clientdesk.cases import services
from clientdesk.cases.models import CASE_TRANSITIONS, CaseStatus, StrStatus
from clientdesk.core.models import AuditEvent
from clientdesk.notifications.models import Notification

from .conftest import add_tx, make_alert

pytestmark = pytest.mark.django_db


def test_the_transition_table_is_the_documented_one():
    assert CASE_TRANSITIONS["open"] == {"investigating", "closed"}
    assert CASE_TRANSITIONS["investigating"] == {"escalated", "closed"}
    assert CASE_TRANSITIONS["escalated"] == {"investigating", "closed"}
    assert CASE_TRANSITIONS["closed"] == frozenset()


def test_alerts_of_one_customer_merge_into_the_open_case(officer, subject, admin_user):
    tx = add_tx(admin_user, subject, "5000", timezone.now())
    first = services.open_case_for_alert(make_alert(subject, txs=[tx]), actor=officer)
    second = services.open_case_for_alert(make_alert(subject, severity="high"), actor=officer)
    assert first.pk == second.pk
    second.refresh_from_db()
    assert second.alerts.count() == 2 and second.priority == "high"
    assert list(second.transactions.all()) == [tx]
    assert second.number.startswith("CASE-")


def test_moves_follow_the_table_and_are_audited(officer, subject):
    case = services.open_case(subject, actor=officer)
    with pytest.raises(ValidationError):
        services.transition_case(case, CaseStatus.ESCALATED, actor=officer)
    services.transition_case(case, CaseStatus.INVESTIGATING, actor=officer)
    services.transition_case(case, CaseStatus.ESCALATED, actor=officer)
    case.refresh_from_db()
    assert case.status == "escalated"
    assert AuditEvent.objects.filter(object_id=str(case.pk), action="status_change").count() == 2
    with pytest.raises(ValidationError):  # closing is its own service
        services.transition_case(case, CaseStatus.CLOSED, actor=officer)


def test_closing_needs_a_conclusion_and_for_reported_the_str(officer, subject):
    case = services.open_case(subject, actor=officer, priority="low")
    with pytest.raises(ValidationError) as exc:
        services.close_case(case, actor=officer, outcome="no_action", conclusion=" ")
    assert "conclusion" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.close_case(case, actor=officer, outcome="reported", conclusion="Filed")
    assert "report" in exc.value.message_dict
    report = services.prepare_str(case, actor=officer, grounds="Cash structuring")
    case = services.close_case(
        case, actor=officer, outcome="reported", conclusion="Filed", report=report
    )
    assert case.status == "closed" and case.report == report


def test_closing_a_high_severity_case_is_four_eyes(officer, officer2, subject):
    case = services.open_case(subject, actor=officer, priority="high")
    case = services.close_case(case, actor=officer, outcome="no_action", conclusion="Explained")
    assert case.status == "open" and case.close_requested_by == officer
    with pytest.raises(ValidationError) as exc:
        services.confirm_close(case, actor=officer)
    assert exc.value.error_dict["status"][0].code == "four_eyes"
    case = services.confirm_close(case, actor=officer2)
    assert case.status == "closed" and case.closed_by == officer2


def test_reopen_a_closed_case(officer, subject):
    case = services.open_case(subject, actor=officer, priority="low")
    with pytest.raises(ValidationError):
        services.reopen_case(case, actor=officer, reason="x")
    services.close_case(case, actor=officer, outcome="no_action", conclusion="Fine")
    with pytest.raises(ValidationError):
        services.reopen_case(case, actor=officer, reason="")
    case = services.reopen_case(case, actor=officer, reason="New evidence")
    assert case.status == "investigating" and case.outcome == ""


def test_mentions_notify_officers_who_may_read_cases(
    officer, officer2, sales_user, subject, django_capture_on_commit_callbacks
):
    case = services.open_case(subject, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_note(case, actor=officer, body="@compliance2 and @sales1 please look")
    assert Notification.objects.filter(recipient=officer2, kind="case").count() == 1
    assert not Notification.objects.filter(recipient=sales_user).exists()


def test_roles_without_case_write_cannot_work_cases(sales_user, manager, subject, officer):
    for user in (sales_user, manager):
        with pytest.raises(PermissionDenied):
            services.open_case(subject, actor=user)
    case = services.open_case(subject, actor=officer)
    with pytest.raises(PermissionDenied):
        services.add_note(case, actor=manager, body="hi")


def test_str_four_eyes_and_lifecycle(officer, officer2, subject):
    case = services.open_case(subject, actor=officer)
    report = services.prepare_str(case, actor=officer, grounds="Round-tripping")
    with pytest.raises(ValidationError) as exc:
        services.approve_str(report, actor=officer)
    assert exc.value.error_dict["status"][0].code == "four_eyes"
    with pytest.raises(ValidationError):
        services.file_str(report, actor=officer, acknowledgement="ACK1")  # not approved
    report = services.approve_str(report, actor=officer2)
    with pytest.raises(ValidationError):
        services.file_str(report, actor=officer, acknowledgement=" ")
    report = services.file_str(report, actor=officer, acknowledgement="FIU-ACK-1")
    assert report.status == StrStatus.FILED
    amendment = services.amend_str(report, actor=officer, grounds="Corrected")
    services.approve_str(amendment, actor=officer2)
    services.file_str(amendment, actor=officer, acknowledgement="FIU-ACK-2")
    report.refresh_from_db()
    assert report.status == StrStatus.AMENDED


def test_confirmed_sanctions_hit_opens_a_case_on_commit(
    officer, subject, django_capture_on_commit_callbacks
):
    from clientdesk.cases.models import Case

    hit = _sanctions_hit(subject)
    from clientdesk.screening.services import decide_hit

    with django_capture_on_commit_callbacks(execute=True):
        decide_hit(hit, actor=officer, to_status="confirmed", reason="Same person")
    case = Case.objects.get(customer=subject)
    assert case.priority == "critical" and list(case.hits.all()) == [hit]


def _sanctions_hit(customer):
    from clientdesk.screening.models import (
        ListEntryRecord,
        ListVersion,
        ScreeningHit,
        ScreeningList,
    )

    lst = ScreeningList.objects.create(source="test", name="Test sanctions", category="sanctions")
    version = ListVersion.objects.create(
        screening_list=lst,
        **{f.name: _default(f) for f in _required(ListVersion, {"screening_list"})},
    )
    entry = ListEntryRecord.objects.create(
        version=version, **{f.name: _default(f) for f in _required(ListEntryRecord, {"version"})}
    )
    return ScreeningHit.objects.create(
        customer=customer, screening_list=lst, entry=entry, external_id="X1", content_hash="h",
        entry_name="Bad Person", matched_name="Bad Person", score=95, name_score=95,
        explanation={}, screened_name=customer.full_name, trigger="manual",
        created_at=timezone.now(),
    )  # fmt: skip


def _required(model, skip):
    return [
        f for f in model._meta.concrete_fields
        if not (f.primary_key or f.null or f.has_default() or f.blank or f.name in skip
                or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
    ]  # fmt: skip


def _default(field):
    import datetime as dt

    kind = field.get_internal_type()
    if kind in ("DateTimeField",):
        return timezone.now()
    if kind == "DateField":
        return dt.date.today()
    if kind in (
        "IntegerField",
        "PositiveIntegerField",
        "BigIntegerField",
        "PositiveSmallIntegerField",
    ):
        return 1
    if kind == "JSONField":
        return {}
    if kind == "ForeignKey":
        raise AssertionError(f"needs {field.name}")
    return "x"


def test_reopening_waits_for_a_second_officer_when_approvals_are_on(
    approvals_on, officer, officer2, subject
):
    from clientdesk.approvals import services as approvals
    from clientdesk.approvals.gate import PendingApproval

    case = services.open_case(subject, actor=officer, priority="low")
    services.close_case(case, actor=officer, outcome="no_action", conclusion="Fine")
    with pytest.raises(PendingApproval) as exc:
        services.reopen_case(case, actor=officer, reason="New evidence")
    request = exc.value.request
    case.refresh_from_db()
    assert case.status == "closed"  # nothing changes before the approval
    assert request.before["status"] == "Closed" and request.after["reason"] == "New evidence"
    with pytest.raises(ValidationError):
        approvals.approve(request, actor=officer)  # the maker never approves their own
    approvals.approve(request, actor=officer2)
    case.refresh_from_db()
    assert case.status == "investigating"
