"""leads.services: creation, validation, duplicates, pipeline, assignment, bulk, conversion."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from factories import SAMPLE_AADHAAR, SAMPLE_PAN, make_customer

from clientdesk.activities.models import Activity, Kind
from clientdesk.activities.services import timeline
from clientdesk.core.audit import REDACTED
from clientdesk.core.crypto import keyed_hash
from clientdesk.core.models import AuditEvent
from clientdesk.customers.models import Customer
from clientdesk.customers.models import Status as CustomerStatus
from clientdesk.leads import services
from clientdesk.leads.models import (
    CONVERTIBLE,
    TRANSITIONS,
    Lead,
    LeadStatus,
    LeadStatusChange,
)
from clientdesk.notifications.models import Notification

from .conftest import PATHS, lead_data, make_lead, walk_to

pytestmark = pytest.mark.django_db

S = LeadStatus


def state() -> tuple[int, int, int, int, int]:
    return (
        Lead.objects.count(),
        LeadStatusChange.objects.count(),
        AuditEvent.objects.count(),
        Activity.objects.count(),
        Customer.objects.count(),
    )


# --- creation and validation --------------------------------------------------------------


def test_create_normalizes_and_records(sales_user: Any) -> None:
    lead = services.create_lead(
        actor=sales_user,
        data=lead_data(
            mobile="98765 43210",
            alt_mobile="+91 91234 56789",
            email=" Ravi@Example.COM ",
            pan="abcpe1234f",
            aadhaar=SAMPLE_AADHAAR[:4] + " " + SAMPLE_AADHAAR[4:8] + " " + SAMPLE_AADHAAR[8:],
        ),
    )
    lead.refresh_from_db()
    assert lead.mobile == "+919876543210"
    assert lead.alt_mobile == "+919123456789"
    assert lead.email == "ravi@example.com"
    assert lead.pan == SAMPLE_PAN and lead.pan_hash == keyed_hash("pan", SAMPLE_PAN)
    assert lead.aadhaar == SAMPLE_AADHAAR and lead.aadhaar_hash
    assert lead.status == S.NEW
    assert lead.owner == sales_user and lead.created_by == sales_user
    assert lead.search_name == lead.full_name.lower()
    # History, audit (sensitive values redacted) and timeline.
    change = lead.status_changes.get()
    assert (change.from_status, change.to_status, change.actor) == ("", S.NEW, sales_user)
    event = AuditEvent.objects.get(object_type="leads.lead", action="create")
    assert event.changes["pan"] == {"old": "", "new": REDACTED}
    assert SAMPLE_PAN not in str(event.changes)
    assert list(timeline(lead).values_list("kind", flat=True)) == [Kind.STATUS_CHANGE]
    assert lead.last_activity_at is not None


def test_the_stored_pan_is_a_token(sales_user: Any) -> None:
    lead = services.create_lead(actor=sales_user, data=lead_data(pan=SAMPLE_PAN))
    raw = Lead.objects.filter(pk=lead.pk).values_list("pan", flat=True).query
    from django.db import connection

    with connection.cursor() as cursor:
        sql, params = raw.sql_with_params()
        cursor.execute(sql, params)
        stored = cursor.fetchone()[0]
    assert stored and SAMPLE_PAN not in stored


def test_required_fields_and_bad_values_named_together(sales_user: Any) -> None:
    before = state()
    with pytest.raises(ValidationError) as exc_info:
        services.create_lead(
            actor=sales_user,
            data={
                "first_name": " ",
                "mobile": "12345",
                "source": "",
                "email": "not-an-email",
                "pan": "ABC",
                "aadhaar": "123412341234",
                "category": "sideways",
                "postal_code": "0000",
            },
        )
    errors = exc_info.value.message_dict
    assert set(errors) == {
        "first_name",
        "mobile",
        "source",
        "email",
        "pan",
        "aadhaar",
        "category",
        "postal_code",
    }
    assert state() == before


def test_unknown_field_refused(sales_user: Any) -> None:
    with pytest.raises(ValidationError) as exc_info:
        services.create_lead(actor=sales_user, data=lead_data(status="account_opened"))
    assert "status" in exc_info.value.message_dict


def test_alt_mobile_must_differ(sales_user: Any) -> None:
    with pytest.raises(ValidationError) as exc_info:
        services.create_lead(
            actor=sales_user, data=lead_data(mobile="9876543210", alt_mobile="+919876543210")
        )
    assert "alt_mobile" in exc_info.value.message_dict


def test_owner_defaults_to_creator_and_manager_may_choose(
    manager: Any, sales_user: Any, sales_user2: Any
) -> None:
    assert services.create_lead(actor=manager, data=lead_data()).owner == manager
    assert services.create_lead(actor=manager, data=lead_data(owner=sales_user)).owner == sales_user
    assert services.create_lead(actor=manager, data=lead_data(owner=None)).owner is None
    with pytest.raises(ValidationError) as exc_info:
        services.create_lead(actor=sales_user, data=lead_data(owner=sales_user2))
    assert "owner" in exc_info.value.message_dict
    assert services.create_lead(actor=sales_user, data=lead_data(owner=sales_user)).owner == (
        sales_user
    )


def test_new_owner_is_notified_after_commit(
    manager: Any, sales_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        lead = services.create_lead(actor=manager, data=lead_data(owner=sales_user))
    note = Notification.objects.get(recipient=sales_user)
    assert note.kind == "assignment" and f"/leads/{lead.pk}/" in note.url
    with django_capture_on_commit_callbacks(execute=True):
        services.create_lead(actor=manager, data=lead_data())
    assert not Notification.objects.filter(recipient=manager).exists()


def test_create_needs_write_access(support_user: Any, compliance: Any) -> None:
    for user in (support_user, compliance):
        with pytest.raises(PermissionDenied):
            services.create_lead(actor=user, data=lead_data())


# --- duplicates --------------------------------------------------------------------------


def test_duplicate_mobile_of_a_lead_refused_with_link(sales_user: Any, lead: Lead) -> None:
    before = state()
    with pytest.raises(ValidationError) as exc_info:
        services.create_lead(actor=sales_user, data=lead_data(mobile=lead.mobile[3:]))
    error = exc_info.value.error_dict["mobile"][0]
    assert error.code == "duplicate"
    assert f"/leads/{lead.pk}/" in exc_info.value.message_dict["mobile"][0]
    assert error.params["url"] == f"/leads/{lead.pk}/"
    assert state() == before


def test_duplicate_email_of_a_lead_refused(sales_user: Any, lead: Lead) -> None:
    with pytest.raises(ValidationError) as exc_info:
        services.create_lead(actor=sales_user, data=lead_data(email=lead.email.upper()))
    assert f"/leads/{lead.pk}/" in exc_info.value.message_dict["email"][0]


def test_duplicate_of_a_customer_links_to_the_customer(
    sales_user: Any, support_user: Any, admin_user: Any
) -> None:
    customer = make_customer(actor=admin_user, mobile="9811122233", email="c@example.com")
    with pytest.raises(ValidationError) as exc_info:
        services.create_lead(
            actor=sales_user, data=lead_data(mobile="9811122233", email="C@example.com")
        )
    errors = exc_info.value.message_dict
    assert f"/customers/{customer.pk}/" in errors["mobile"][0]
    assert f"/customers/{customer.pk}/" in errors["email"][0]
    assert "customer" in errors["mobile"][0]


def test_update_keeps_own_values_and_refuses_others(sales_user: Any, lead: Lead) -> None:
    other = make_lead(actor=sales_user)
    services.update_lead(lead, actor=sales_user, data={"mobile": lead.mobile, "city": "Nagpur"})
    with pytest.raises(ValidationError) as exc_info:
        services.update_lead(lead, actor=sales_user, data={"email": other.email})
    assert f"/leads/{other.pk}/" in exc_info.value.message_dict["email"][0]


# --- edits -------------------------------------------------------------------------------


def test_update_records_changes_and_skips_no_op(sales_user: Any, lead: Lead) -> None:
    lead = services.update_lead(lead, actor=sales_user, data={"city": "Nagpur", "pan": SAMPLE_PAN})
    assert lead.city == "Nagpur" and lead.pan_hash
    event = AuditEvent.objects.filter(object_type="leads.lead", action="update").get()
    assert event.changes["city"] == {"old": "Pune", "new": "Nagpur"}
    assert event.changes["pan"]["new"] == REDACTED
    before = state()
    services.update_lead(lead, actor=sales_user, data={"city": "Nagpur"})
    assert state() == before


def test_row_rule_owner_only_for_sales(
    sales_user: Any, sales_user2: Any, manager: Any, support_user: Any, lead: Lead
) -> None:
    assert services.can_edit(sales_user, lead)
    assert not services.can_edit(sales_user2, lead)
    assert not services.can_edit(support_user, lead)  # Leads: Read only
    assert services.can_edit(manager, lead)
    with pytest.raises(PermissionDenied):
        services.update_lead(lead, actor=sales_user2, data={"city": "Goa"})
    with pytest.raises(PermissionDenied):
        services.change_lead_status(lead, actor=sales_user2, to_status=S.CONTACTED)
    with pytest.raises(PermissionDenied):
        services.change_lead_status(lead, actor=support_user, to_status=S.CONTACTED)
    services.change_lead_status(lead, actor=manager, to_status=S.CONTACTED)


def test_unassigned_lead_is_editable_only_by_all_scope_roles(
    lead_factory: Callable[..., Lead], sales_user: Any, manager: Any
) -> None:
    lead = lead_factory(owner=None)
    assert not services.can_edit(sales_user, lead)
    assert services.can_edit(manager, lead)


# --- pipeline ----------------------------------------------------------------------------


def test_full_pipeline_sets_dates_and_logs_every_step(sales_user: Any, lead: Lead) -> None:
    lead = walk_to(lead, S.ACCOUNT_OPENED, actor=sales_user)
    assert lead.account_opened_at is not None and lead.account_activated_at is None
    opened = lead.account_opened_at
    lead = services.change_lead_status(
        lead, actor=sales_user, to_status=S.ACCOUNT_ACTIVATED, note="Trading enabled"
    )
    lead.refresh_from_db()
    assert lead.status == S.ACCOUNT_ACTIVATED
    assert lead.account_opened_at == opened and lead.account_activated_at >= opened
    steps = list(
        lead.status_changes.order_by("created_at", "id").values_list("from_status", "to_status")
    )
    sequence = ["", S.NEW, *PATHS[S.ACCOUNT_ACTIVATED]]
    assert steps == list(itertools.pairwise(sequence))
    last = lead.status_changes.first()
    assert last.note == "Trading enabled" and last.actor == sales_user
    audits = AuditEvent.objects.filter(object_type="leads.lead", action="status_change")
    assert audits.count() == len(PATHS[S.ACCOUNT_ACTIVATED])
    assert audits.first().changes == {
        "status": {"old": S.ACCOUNT_OPENED, "new": S.ACCOUNT_ACTIVATED},
        "note": "Trading enabled",
    }
    kinds = set(timeline(lead).values_list("kind", flat=True))
    assert kinds == {Kind.STATUS_CHANGE}
    assert timeline(lead).count() == len(PATHS[S.ACCOUNT_ACTIVATED]) + 1


@pytest.mark.parametrize("start", [s.value for s in LeadStatus if s in PATHS])
def test_transition_table_is_enforced(
    start: str, lead_factory: Callable[..., Lead], admin_user: Any
) -> None:
    lead = lead_factory(status=start)
    for target in LeadStatus:
        if target in TRANSITIONS[start]:
            continue
        with pytest.raises(ValidationError) as exc_info:
            services.change_lead_status(lead, actor=admin_user, to_status=target)
        assert exc_info.value.error_dict["status"][0].code == "invalid_transition"
    lead.refresh_from_db()
    assert lead.status == start


def test_the_twelve_statuses_and_their_labels() -> None:
    assert [s.label for s in LeadStatus] == [
        "New",
        "Contacted",
        "Follow-up Scheduled",
        "Follow-up Complete",
        "Documents Collected",
        "Sent to HO",
        "Documents Verified",
        "Account Opened",
        "Rejected - Follow-up Required",
        "Account Activated",
        "Lead Expired",
        "Lead Expired (Account Opened)",
    ]
    assert all(s in TRANSITIONS for s in LeadStatus)


def test_rejected_goes_back_to_documents_collected(
    lead_factory: Callable[..., Lead], admin_user: Any
) -> None:
    lead = lead_factory(status=S.REJECTED)
    lead = services.change_lead_status(lead, actor=admin_user, to_status=S.DOCUMENTS_COLLECTED)
    lead = services.change_lead_status(lead, actor=admin_user, to_status=S.SENT_TO_HO)
    lead = services.change_lead_status(lead, actor=admin_user, to_status=S.DOCUMENTS_VERIFIED)
    services.change_lead_status(lead, actor=admin_user, to_status=S.REJECTED)


def test_expiry_statuses_cannot_be_chosen(lead: Lead, admin_user: Any) -> None:
    for target in (S.EXPIRED, S.EXPIRED_OPENED):
        with pytest.raises(ValidationError) as exc_info:
            services.change_lead_status(lead, actor=admin_user, to_status=target)
        assert "expiry job" in exc_info.value.message_dict["status"][0]


def test_unknown_and_same_status(lead: Lead, admin_user: Any) -> None:
    with pytest.raises(ValidationError):
        services.change_lead_status(lead, actor=admin_user, to_status="won")
    with pytest.raises(ValidationError) as exc_info:
        services.change_lead_status(lead, actor=admin_user, to_status=S.NEW)
    assert "already" in exc_info.value.message_dict["status"][0]


# --- assignment --------------------------------------------------------------------------


def test_assign_by_manager_audited_and_notified(
    manager: Any,
    sales_user: Any,
    sales_user2: Any,
    lead: Lead,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        lead = services.assign_lead(lead, actor=manager, owner=sales_user2)
    assert lead.owner == sales_user2
    event = AuditEvent.objects.filter(object_type="leads.lead", action="update").get()
    assert event.changes["owner"] == {"old": str(sales_user.pk), "new": str(sales_user2.pk)}
    assert Notification.objects.filter(recipient=sales_user2, kind="assignment").count() == 1


def test_sales_user_cannot_reassign(sales_user: Any, sales_user2: Any, lead: Lead) -> None:
    with pytest.raises(ValidationError) as exc_info:
        services.assign_lead(lead, actor=sales_user, owner=sales_user2)
    assert "owner" in exc_info.value.message_dict


def test_assign_to_inactive_user_refused(manager: Any, user_factory: Any, lead: Lead) -> None:
    gone = user_factory("sales", is_active=False)
    with pytest.raises(ValidationError) as exc_info:
        services.assign_lead(lead, actor=manager, owner=gone)
    assert "owner" in exc_info.value.message_dict


# --- bulk --------------------------------------------------------------------------------


def test_bulk_status_all_or_nothing(
    lead_factory: Callable[..., Lead], sales_user: Any, sales_user2: Any
) -> None:
    mine = [lead_factory(owner=sales_user) for _ in range(3)]
    theirs = lead_factory(owner=sales_user2)
    advanced = lead_factory(owner=sales_user, status=S.SENT_TO_HO)
    before = state()
    with pytest.raises(ValidationError) as exc_info:
        services.bulk_change_status(
            [*(m.pk for m in mine), theirs.pk, advanced.pk, 999999],
            actor=sales_user,
            to_status=S.CONTACTED,
        )
    failures = exc_info.value.message_dict["ids"]
    assert len(failures) == 3
    assert any(theirs.full_name in f and "own" in f for f in failures)
    assert any(advanced.full_name in f and "cannot move" in f for f in failures)
    assert any("#999999" in f for f in failures)
    assert state() == before
    audited = AuditEvent.objects.filter(action="status_change").count()
    done = services.bulk_change_status(
        [m.pk for m in mine], actor=sales_user, to_status=S.CONTACTED, note="Called all three"
    )
    assert {lead.status for lead in done} == {S.CONTACTED}
    assert LeadStatusChange.objects.filter(note="Called all three").count() == 3
    assert AuditEvent.objects.filter(action="status_change").count() == audited + 3


def test_bulk_needs_ids(admin_user: Any) -> None:
    with pytest.raises(ValidationError) as exc_info:
        services.bulk_change_status([], actor=admin_user, to_status=S.CONTACTED)
    assert "ids" in exc_info.value.message_dict


def test_bulk_assign(
    lead_factory: Callable[..., Lead], manager: Any, sales_user: Any, sales_user2: Any
) -> None:
    leads = [lead_factory(owner=sales_user) for _ in range(3)]
    with pytest.raises(PermissionDenied):
        services.bulk_assign([lead.pk for lead in leads], actor=sales_user, owner=sales_user2)
    with pytest.raises(ValidationError):
        services.bulk_assign([leads[0].pk, 424242], actor=manager, owner=sales_user2)
    assert not Lead.objects.filter(owner=sales_user2).exists()
    services.bulk_assign([lead.pk for lead in leads], actor=manager, owner=sales_user2)
    assert Lead.objects.filter(owner=sales_user2).count() == 3
    assert AuditEvent.objects.filter(object_type="leads.lead", action="update").count() == 3


# --- conversion --------------------------------------------------------------------------


def test_convert_creates_pending_customer_with_lead_data_and_dates(
    lead_factory: Callable[..., Lead], sales_user: Any
) -> None:
    created = timezone.now() - dt.timedelta(days=20)
    lead = lead_factory(
        owner=sales_user,
        created_at=created,
        pan=SAMPLE_PAN,
        aadhaar=SAMPLE_AADHAAR,
        alt_mobile="9123456789",
        address_line="4 FC Road",
    )
    lead = walk_to(lead, S.ACCOUNT_OPENED, actor=sales_user)
    customer = services.convert_lead(lead, actor=sales_user)
    customer.refresh_from_db()
    lead.refresh_from_db()
    assert customer.status == CustomerStatus.PENDING
    assert (customer.first_name, customer.last_name) == (lead.first_name, lead.last_name)
    assert (customer.mobile, customer.alt_mobile, customer.email) == (
        lead.mobile,
        lead.alt_mobile,
        lead.email,
    )
    assert customer.pan == SAMPLE_PAN and customer.aadhaar == SAMPLE_AADHAAR
    assert (customer.address_line, customer.city, customer.postal_code) == (
        "4 FC Road",
        "Pune",
        "411001",
    )
    assert customer.assigned_to == sales_user
    assert customer.created_at == created
    assert customer.account_opened_at == lead.account_opened_at
    # Linked both ways.
    assert lead.customer == customer and customer.source_lead == lead
    assert lead.converted_by == sales_user and lead.converted_at is not None
    # Recorded on both timelines.
    assert timeline(lead).filter(kind=Kind.CREATED).exists()
    assert timeline(customer).filter(kind=Kind.CREATED, subject_type="leads.lead").exists()


def test_convert_twice_refused(lead_factory: Callable[..., Lead], admin_user: Any) -> None:
    lead = lead_factory(status=S.ACCOUNT_ACTIVATED)
    customer = services.convert_lead(lead, actor=admin_user)
    before = state()
    with pytest.raises(ValidationError) as exc_info:
        services.convert_lead(lead, actor=admin_user)
    error = exc_info.value.error_dict["customer"][0]
    assert error.code == "already_converted"
    assert customer.client_id in exc_info.value.message_dict["customer"][0]
    assert state() == before


def test_convert_only_with_an_opened_account(lead: Lead, admin_user: Any) -> None:
    before = state()
    with pytest.raises(ValidationError) as exc_info:
        services.convert_lead(lead, actor=admin_user)
    assert exc_info.value.error_dict["status"][0].code == "not_convertible"
    assert state() == before
    assert CONVERTIBLE == {S.ACCOUNT_OPENED, S.ACCOUNT_ACTIVATED}


def test_convert_is_atomic_when_the_customer_is_refused(
    lead_factory: Callable[..., Lead], admin_user: Any
) -> None:
    lead = lead_factory(status=S.ACCOUNT_OPENED, email="")
    # A customer with the same mobile appeared after the lead was made.
    Customer.objects.filter(pk=make_customer(actor=admin_user).pk).update(mobile=lead.mobile)
    before = state()
    with pytest.raises(ValidationError) as exc_info:
        services.convert_lead(lead, actor=admin_user)
    assert "mobile" in exc_info.value.message_dict
    assert state() == before
    lead.refresh_from_db()
    assert lead.customer_id is None


def test_convert_permissions(
    lead_factory: Callable[..., Lead], sales_user: Any, sales_user2: Any, support_user: Any
) -> None:
    lead = lead_factory(owner=sales_user, status=S.ACCOUNT_OPENED)
    assert services.can_convert(sales_user, lead)
    assert not services.can_convert(sales_user2, lead)
    for user in (sales_user2, support_user):
        with pytest.raises(PermissionDenied):
            services.convert_lead(lead, actor=user)


def test_activities_on_a_converted_lead_reach_the_customer(
    lead_factory: Callable[..., Lead], admin_user: Any
) -> None:
    lead = lead_factory(status=S.ACCOUNT_OPENED)
    customer = services.convert_lead(lead, actor=admin_user)
    lead.refresh_from_db()
    services.change_lead_status(lead, actor=admin_user, to_status=S.ACCOUNT_ACTIVATED)
    assert timeline(customer).filter(kind=Kind.STATUS_CHANGE, subject_type="leads.lead").exists()


# --- saved filters -----------------------------------------------------------------------


def test_saved_filter_overwrites_by_name_and_is_private(sales_user: Any, sales_user2: Any) -> None:
    first = services.save_filter(actor=sales_user, list_key="leads", name="Mine", query="a=1")
    again = services.save_filter(actor=sales_user, list_key="leads", name="Mine", query="b=2")
    assert first.pk == again.pk and again.query == "b=2"
    with pytest.raises(ValidationError):
        services.save_filter(actor=sales_user, list_key="leads", name=" ", query="")
    with pytest.raises(PermissionDenied):
        services.delete_filter(again, actor=sales_user2)
    services.delete_filter(again, actor=sales_user)


def test_duplicate_named_together_with_other_errors(sales_user: Any, lead: Lead) -> None:
    with pytest.raises(ValidationError) as exc_info:
        services.create_lead(actor=sales_user, data=lead_data(mobile=lead.mobile, pan="bad"))
    assert set(exc_info.value.message_dict) == {"mobile", "pan"}
    assert exc_info.value.error_dict["mobile"][0].code == "duplicate"
