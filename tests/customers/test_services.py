"""customers.services: registration, validation, duplicates, updates, status, reveal."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from factories import (
    SAMPLE_AADHAAR,
    SAMPLE_BANK_ACCOUNT,
    SAMPLE_MOBILE_E164,
    SAMPLE_PAN,
    SAMPLE_PASSPORT,
    make_customer,
    move_to,
    unique_identifiers,
    valid_customer_data,
)

from clientdesk.activities.models import Activity, Kind
from clientdesk.core.audit import REDACTED
from clientdesk.core.models import AuditEvent, Counter
from clientdesk.customers import services
from clientdesk.customers.models import TRANSITIONS, Customer, Status, StatusChange

pytestmark = pytest.mark.django_db

ALL_STATUSES = [s.value for s in Status]


def errors_of(exc_info: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc_info.value.message_dict


def codes_of(exc: ValidationError, field: str) -> set[str | None]:
    return {e.code for e in exc.error_dict[field]}


def counts() -> tuple[int, int, int, int, int]:
    return (
        Customer.objects.count(),
        AuditEvent.objects.count(),
        Activity.objects.count(),
        StatusChange.objects.count(),
        Counter.objects.filter(name="client_id").values_list("value", flat=True).first() or 0,
    )


# --- registration ------------------------------------------------------------------------


def test_register_assigns_prefixed_sequential_client_id(admin_user: Any, settings: Any) -> None:
    first = make_customer(actor=admin_user)
    second = make_customer(actor=admin_user)
    assert re.fullmatch(r"CD\d{8}", first.client_id)
    assert int(second.client_id[2:]) == int(first.client_id[2:]) + 1

    settings.CLIENT_ID_PREFIX = "ZX"
    third = make_customer(actor=admin_user)
    assert re.fullmatch(r"ZX\d{8}", third.client_id)
    assert int(third.client_id[2:]) == int(second.client_id[2:]) + 1


def test_client_id_is_immutable(admin_user: Any) -> None:
    customer = make_customer(actor=admin_user)
    with pytest.raises(ValidationError) as info:
        services.update_customer(customer, actor=admin_user, data={"client_id": "CD99999999"})
    assert "client_id" in errors_of(info)
    updated = services.update_customer(customer, actor=admin_user, data={"city": "Mysuru"})
    assert updated.client_id == customer.client_id
    assert Customer.objects.get(pk=customer.pk).client_id == customer.client_id


def test_register_writes_pending_customer_activity_and_audit(
    admin_user: Any, valid_data: dict[str, Any]
) -> None:
    before = timezone.now()
    customer = services.register_customer(actor=admin_user, data=valid_data)
    customer = Customer.objects.get(pk=customer.pk)

    assert customer.status == Status.PENDING
    assert customer.account_opened_at is not None and customer.account_opened_at >= before
    assert customer.account_activated_at is None
    assert customer.created_by == admin_user
    assert customer.search_name == "asha verma"
    assert customer.mobile == SAMPLE_MOBILE_E164
    assert customer.pan == SAMPLE_PAN and customer.aadhaar == SAMPLE_AADHAAR
    assert customer.date_of_birth == dt.date(1990, 1, 1)
    assert customer.last_activity_at is not None

    activity = Activity.objects.get(customer=customer)
    assert activity.kind == Kind.CREATED and activity.actor == admin_user

    event = AuditEvent.objects.get(object_type="customers.customer", object_id=str(customer.pk))
    assert event.action == "create"
    assert event.actor == admin_user
    assert event.source == "cli"
    assert event.changes["first_name"] == {"old": None, "new": "Asha"}
    for field in ("pan", "aadhaar", "id_number", "bank_account_number", "date_of_birth"):
        assert event.changes[field] == {"old": "", "new": REDACTED}
    dumped = json.dumps(event.changes)
    for clear in (SAMPLE_PAN, SAMPLE_AADHAAR, SAMPLE_PASSPORT, SAMPLE_BANK_ACCOUNT, "1990-01-01"):
        assert clear not in dumped


def test_sales_user_registration_is_assigned_to_them(sales_user: Any) -> None:
    customer = make_customer(actor=sales_user)
    assert customer.assigned_to == sales_user


def test_register_requires_write_access(support_user: Any, valid_data: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        services.register_customer(actor=support_user, data=valid_data)
    assert Customer.objects.count() == 0


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mobile", ["9876543210", "09876543210", "919876543210", "+91 98765 43210", "98765-43210"]
)
def test_indian_mobile_is_stored_in_e164(
    admin_user: Any, valid_data: dict[str, Any], mobile: str
) -> None:
    valid_data["mobile"] = mobile
    customer = services.register_customer(actor=admin_user, data=valid_data)
    assert customer.mobile == SAMPLE_MOBILE_E164


def test_foreign_mobile_with_country_code(admin_user: Any, valid_data: dict[str, Any]) -> None:
    valid_data["mobile"] = "+44 7911 123456"
    customer = services.register_customer(actor=admin_user, data=valid_data)
    assert customer.mobile == "+447911123456"


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("mobile", "12345", "valid phone number"),
        ("mobile", "", "required"),
        ("first_name", "  ", "required"),
        ("pan", "ABCDE12345", "Enter a valid PAN"),
        ("pan", "ABCXE1234F", "4th character"),
        ("aadhaar", SAMPLE_AADHAAR[:-1] + str((int(SAMPLE_AADHAAR[-1]) + 1) % 10), "not valid"),
        ("aadhaar", "12345", "12 digits"),
        ("email", "not-an-email", "valid email"),
        ("postal_code", "56001", "postal code for India"),
        ("bank_ifsc", "HDFC1234", "IFSC"),
        ("bank_account_number", "12ab", "bank account number"),
        ("date_of_birth", "1990-13-45", "YYYY-MM-DD"),
        ("id_number", "12", "passport"),
    ],
)
def test_invalid_values_are_named_by_field(
    admin_user: Any, valid_data: dict[str, Any], field: str, value: str, fragment: str
) -> None:
    valid_data[field] = value
    with pytest.raises(ValidationError) as info:
        services.register_customer(actor=admin_user, data=valid_data)
    errors = errors_of(info)
    assert list(errors) == [field]
    assert fragment.lower() in " ".join(errors[field]).lower()


def test_every_bad_field_is_reported_at_once(admin_user: Any, valid_data: dict[str, Any]) -> None:
    valid_data.update(pan="bad", aadhaar="bad", mobile="bad", postal_code="x")
    with pytest.raises(ValidationError) as info:
        services.register_customer(actor=admin_user, data=valid_data)
    assert set(errors_of(info)) == {"pan", "aadhaar", "mobile", "postal_code"}


def test_unknown_fields_are_refused(admin_user: Any, valid_data: dict[str, Any]) -> None:
    valid_data["status"] = "active"
    with pytest.raises(ValidationError) as info:
        services.register_customer(actor=admin_user, data=valid_data)
    assert "status" in errors_of(info)


def test_id_type_and_number_go_together(admin_user: Any, valid_data: dict[str, Any]) -> None:
    valid_data["id_type"] = ""
    with pytest.raises(ValidationError) as info:
        services.register_customer(actor=admin_user, data=valid_data)
    assert "id_type" in errors_of(info)


def _years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    if (today.month, today.day) == (2, 29):
        today -= dt.timedelta(days=1)
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


def test_under_age_customer_is_refused(admin_user: Any, valid_data: dict[str, Any]) -> None:
    valid_data["date_of_birth"] = _years_ago(17)
    with pytest.raises(ValidationError) as info:
        services.register_customer(actor=admin_user, data=valid_data)
    assert "at least 18" in errors_of(info)["date_of_birth"][0]


def test_exactly_adult_customer_is_accepted(admin_user: Any, valid_data: dict[str, Any]) -> None:
    valid_data["date_of_birth"] = _years_ago(18, days=1)
    assert services.register_customer(actor=admin_user, data=valid_data).pk


def test_min_customer_age_setting_is_honoured(
    admin_user: Any, valid_data: dict[str, Any], settings: Any
) -> None:
    valid_data["date_of_birth"] = _years_ago(17, days=1)
    settings.MIN_CUSTOMER_AGE = 16
    assert services.register_customer(actor=admin_user, data=valid_data).pk

    settings.MIN_CUSTOMER_AGE = 21
    data = valid_customer_data() | unique_identifiers(900_001)
    data["date_of_birth"] = _years_ago(20)
    with pytest.raises(ValidationError) as info:
        services.register_customer(actor=admin_user, data=data)
    assert "at least 21" in errors_of(info)["date_of_birth"][0]


@pytest.mark.parametrize(
    ("country", "postal_code", "stored"),
    [
        ("IN", "560 001", "560001"),
        ("US", "94105", "94105"),
        ("GB", "sw1a1aa", "SW1A 1AA"),
        ("AE", "", ""),
    ],
)
def test_postal_code_follows_the_country(
    admin_user: Any, valid_data: dict[str, Any], country: str, postal_code: str, stored: str
) -> None:
    valid_data.update(country=country, postal_code=postal_code)
    customer = services.register_customer(actor=admin_user, data=valid_data)
    assert (customer.country, customer.postal_code) == (country, stored)


@pytest.mark.parametrize(("country", "postal_code"), [("IN", "SW1A 1AA"), ("GB", "560001")])
def test_postal_code_of_another_country_is_refused(
    admin_user: Any, valid_data: dict[str, Any], country: str, postal_code: str
) -> None:
    valid_data.update(country=country, postal_code=postal_code)
    with pytest.raises(ValidationError) as info:
        services.register_customer(actor=admin_user, data=valid_data)
    assert list(errors_of(info)) == ["postal_code"]


@pytest.mark.parametrize("country", ["ZZ", "1", "IND", "ß", "ﬃ", "I N"])
def test_unknown_country_is_refused(
    admin_user: Any, valid_data: dict[str, Any], country: str
) -> None:
    """Found by the API fuzz test: "ﬃ".upper() is "FFI", too long for the column (a 500)."""
    valid_data.update(country=country, postal_code="")
    with pytest.raises(ValidationError) as info:
        services.register_customer(actor=admin_user, data=valid_data)
    assert list(errors_of(info)) == ["country"]


def test_country_is_upper_cased(admin_user: Any, valid_data: dict[str, Any]) -> None:
    valid_data.update(country="us", postal_code="94105")
    assert services.register_customer(actor=admin_user, data=valid_data).country == "US"


# --- duplicates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mobile", "+91 98765 43210"),
        ("email", "ASHA.VERMA@example.com"),
        ("pan", "abcpe1234f"),
        ("aadhaar", f"{SAMPLE_AADHAAR[:4]} {SAMPLE_AADHAAR[4:8]} {SAMPLE_AADHAAR[8:]}"),
    ],
)
def test_duplicate_names_the_other_client_id(
    admin_user: Any, customer: Customer, field: str, value: str
) -> None:
    data = valid_customer_data() | unique_identifiers(900_002)
    data[field] = value
    before = counts()
    with pytest.raises(ValidationError) as info:
        services.register_customer(actor=admin_user, data=data)
    assert list(info.value.error_dict) == [field]
    assert customer.client_id in info.value.message_dict[field][0]
    assert codes_of(info.value, field) == {"duplicate"}
    assert counts() == before


def test_update_to_another_customers_pan_is_a_duplicate(
    admin_user: Any, customer: Customer
) -> None:
    other = make_customer(actor=admin_user)
    with pytest.raises(ValidationError) as info:
        services.update_customer(other, actor=admin_user, data={"pan": SAMPLE_PAN})
    assert customer.client_id in info.value.message_dict["pan"][0]


def test_keeping_own_values_is_not_a_duplicate(admin_user: Any, customer: Customer) -> None:
    data = {"mobile": customer.mobile, "pan": customer.pan, "city": "Chennai"}
    updated = services.update_customer(customer, actor=admin_user, data=data)
    assert updated.city == "Chennai"


# --- nothing half-written ----------------------------------------------------------------


def test_validation_failure_writes_nothing(admin_user: Any, valid_data: dict[str, Any]) -> None:
    valid_data["pan"] = "nope"
    before = counts()
    with pytest.raises(ValidationError):
        services.register_customer(actor=admin_user, data=valid_data)
    assert counts() == before


def test_failure_after_the_insert_rolls_everything_back(
    admin_user: Any, valid_data: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("activity store down")

    monkeypatch.setattr(services, "log_activity", boom)
    before = counts()
    with pytest.raises(RuntimeError):
        services.register_customer(actor=admin_user, data=valid_data)
    assert counts() == before


def test_lost_race_on_unique_column_becomes_field_error(
    admin_user: Any, customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The duplicate check passed (another request inserted in between): the constraint wins."""
    monkeypatch.setattr(services, "_check_duplicates", lambda *a, **k: None)
    data = valid_customer_data() | unique_identifiers(900_003)
    data["mobile"] = customer.mobile
    before = counts()
    with pytest.raises(ValidationError) as info:
        services.register_customer(actor=admin_user, data=data)
    assert "mobile" in info.value.message_dict
    assert counts() == before
    # The surrounding transaction is still usable.
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_failed_status_change_writes_nothing(admin_user: Any, customer: Customer) -> None:
    move_to(customer, Status.CLOSED, actor=admin_user)
    before = counts()
    with pytest.raises(ValidationError):
        services.change_status(customer, actor=admin_user, to_status="active", reason="Try")
    assert counts() == before


# --- updates -----------------------------------------------------------------------------


def test_update_records_diff_with_sensitive_values_redacted(
    admin_user: Any, customer: Customer
) -> None:
    new_pan, new_aadhaar = "ZZZPZ9876Y", unique_identifiers(900_004)["aadhaar"]
    services.update_customer(
        customer,
        actor=admin_user,
        data={
            "pan": new_pan,
            "aadhaar": new_aadhaar,
            "city": "Pune",
            "date_of_birth": "1985-05-05",
        },
    )
    event = AuditEvent.objects.filter(action="update", object_id=str(customer.pk)).get()
    assert event.changes["city"] == {"old": "Bengaluru", "new": "Pune"}
    for field in ("pan", "aadhaar", "date_of_birth"):
        assert event.changes[field] == {"old": REDACTED, "new": REDACTED}
    assert set(event.changes) == {"pan", "aadhaar", "city", "date_of_birth"}
    dumped = json.dumps(event.changes)
    for clear in (SAMPLE_PAN, new_pan, SAMPLE_AADHAAR, new_aadhaar, "1985-05-05", "1990-01-01"):
        assert clear not in dumped

    stored = Customer.objects.get(pk=customer.pk)
    assert (stored.pan, stored.aadhaar, stored.city) == (new_pan, new_aadhaar, "Pune")
    edit = Activity.objects.get(customer=customer, kind=Kind.EDIT)
    assert edit.data["fields"] == ["aadhaar", "city", "date_of_birth", "pan"]


def test_clearing_a_sensitive_value_is_redacted_too(admin_user: Any, customer: Customer) -> None:
    services.update_customer(customer, actor=admin_user, data={"aadhaar": ""})
    event = AuditEvent.objects.filter(action="update", object_id=str(customer.pk)).get()
    assert event.changes["aadhaar"] == {"old": REDACTED, "new": ""}
    assert Customer.objects.get(pk=customer.pk).aadhaar_hash == ""


def test_update_without_changes_writes_nothing(admin_user: Any, customer: Customer) -> None:
    before = counts()
    services.update_customer(customer, actor=admin_user, data={"city": customer.city})
    assert counts() == before


def test_sales_user_edits_only_assigned_customers(
    sales_user: Any, sales_user2: Any, admin_user: Any
) -> None:
    mine = make_customer(actor=admin_user, assigned_to=sales_user)
    theirs = make_customer(actor=admin_user, assigned_to=sales_user2)
    unassigned = make_customer(actor=admin_user)

    assert services.update_customer(mine, actor=sales_user, data={"city": "Goa"}).city == "Goa"
    for other in (theirs, unassigned):
        assert not services.can_edit(sales_user, other)
        with pytest.raises(PermissionDenied):
            services.update_customer(other, actor=sales_user, data={"city": "Goa"})
        with pytest.raises(PermissionDenied):
            services.change_status(other, actor=sales_user, to_status="active", reason="x")
    with pytest.raises(ValidationError) as info:
        services.update_customer(mine, actor=sales_user, data={"assigned_to": sales_user2})
    assert "assigned_to" in errors_of(info)


def test_manager_edits_any_customer(manager: Any, customer: Customer) -> None:
    assert services.update_customer(customer, actor=manager, data={"city": "Agra"}).city == "Agra"


def test_read_only_role_cannot_update(support_user: Any, customer: Customer) -> None:
    with pytest.raises(PermissionDenied):
        services.update_customer(customer, actor=support_user, data={"city": "Agra"})


# --- status transitions ------------------------------------------------------------------


@pytest.mark.parametrize("from_status", ALL_STATUSES)
@pytest.mark.parametrize("to_status", ALL_STATUSES)
def test_transition_table(admin_user: Any, from_status: str, to_status: str) -> None:
    customer = make_customer(actor=admin_user, status=from_status)
    assert customer.status == from_status
    if to_status in TRANSITIONS[from_status]:
        changed = services.change_status(
            customer, actor=admin_user, to_status=to_status, reason="Table test"
        )
        assert changed.status == to_status
        assert Customer.objects.get(pk=customer.pk).status == to_status
        last = StatusChange.objects.filter(customer=customer).first()
        assert (last.from_status, last.to_status, last.reason, last.actor) == (
            from_status,
            to_status,
            "Table test",
            admin_user,
        )
    else:
        with pytest.raises(ValidationError) as info:
            services.change_status(
                customer, actor=admin_user, to_status=to_status, reason="Table test"
            )
        assert "status" in info.value.error_dict
        assert codes_of(info.value, "status") == {"invalid_transition"}
        assert Customer.objects.get(pk=customer.pk).status == from_status


def test_closed_is_final(admin_user: Any) -> None:
    customer = make_customer(actor=admin_user, status=Status.CLOSED)
    assert customer.is_final and customer.allowed_transitions() == []
    for target in ALL_STATUSES:
        with pytest.raises(ValidationError):
            services.change_status(customer, actor=admin_user, to_status=target, reason="x")


def test_activation_sets_activated_at_once(admin_user: Any, customer: Customer) -> None:
    active = services.change_status(customer, actor=admin_user, to_status="active", reason="KYC")
    first = active.account_activated_at
    assert first is not None
    services.change_status(customer, actor=admin_user, to_status="suspended", reason="Review")
    again = services.change_status(customer, actor=admin_user, to_status="active", reason="OK")
    assert again.account_activated_at == first
    assert Customer.objects.get(pk=customer.pk).account_activated_at == first


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("sales", False), ("compliance", False), ("manager", True), ("admin", True)],
)
def test_blocked_to_active_needs_a_privileged_role(
    user_factory: Any, admin_user: Any, role: str, allowed: bool
) -> None:
    actor = user_factory(role)
    customer = make_customer(actor=admin_user, assigned_to=actor, status=Status.BLOCKED)
    if allowed:
        changed = services.change_status(customer, actor=actor, to_status="active", reason="Ok")
        assert changed.status == Status.ACTIVE
    else:
        with pytest.raises(PermissionDenied):
            services.change_status(customer, actor=actor, to_status="active", reason="Ok")
        assert Customer.objects.get(pk=customer.pk).status == Status.BLOCKED
        # Blocked -> Closed stays open to them.
        changed = services.change_status(customer, actor=actor, to_status="closed", reason="Exit")
        assert changed.status == Status.CLOSED


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_status_change_needs_a_reason(admin_user: Any, customer: Customer, reason: Any) -> None:
    with pytest.raises(ValidationError) as info:
        services.change_status(customer, actor=admin_user, to_status="active", reason=reason)
    assert "reason" in errors_of(info)
    assert not StatusChange.objects.filter(customer=customer).exists()


def test_unknown_status_is_refused(admin_user: Any, customer: Customer) -> None:
    with pytest.raises(ValidationError) as info:
        services.change_status(customer, actor=admin_user, to_status="deleted", reason="x")
    assert "status" in errors_of(info)


def test_status_change_leaves_row_audit_and_activity(admin_user: Any, customer: Customer) -> None:
    services.change_status(customer, actor=admin_user, to_status="blocked", reason="AML alert")
    change = StatusChange.objects.get(customer=customer)
    assert (change.from_status, change.to_status, change.reason) == (
        "pending",
        "blocked",
        "AML alert",
    )
    event = AuditEvent.objects.filter(action="status_change", object_id=str(customer.pk)).get()
    assert event.changes == {"status": {"old": "pending", "new": "blocked"}, "reason": "AML alert"}
    activity = Activity.objects.get(customer=customer, kind=Kind.STATUS_CHANGE)
    assert activity.data == {"from": "pending", "to": "blocked"}


def test_activation_checks_can_block_activation(
    admin_user: Any, customer: Customer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        services, "ACTIVATION_CHECKS", [lambda c: None, lambda c: "Approved KYC is required."]
    )
    before = counts()
    with pytest.raises(ValidationError) as info:
        services.change_status(customer, actor=admin_user, to_status="active", reason="Go")
    assert info.value.message_dict["status"] == ["Approved KYC is required."]
    assert codes_of(info.value, "status") == {"activation_blocked"}
    assert counts() == before

    monkeypatch.setattr(services, "ACTIVATION_CHECKS", [lambda c: None])
    assert (
        services.change_status(customer, actor=admin_user, to_status="active", reason="Go").status
        == Status.ACTIVE
    )


# --- reveal ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["compliance", "admin"])
@pytest.mark.parametrize(
    ("field", "clear"),
    [
        ("pan", SAMPLE_PAN),
        ("aadhaar", SAMPLE_AADHAAR),
        ("id_number", SAMPLE_PASSPORT),
        ("bank_account_number", SAMPLE_BANK_ACCOUNT),
        ("date_of_birth", "1990-01-01"),
    ],
)
def test_reveal_for_permitted_roles_is_audited(
    users_by_role: dict[str, Any], customer: Customer, role: str, field: str, clear: str
) -> None:
    actor = users_by_role[role]
    assert services.reveal(customer, actor=actor, field=field) == clear
    event = AuditEvent.objects.filter(action="reveal").get()
    assert event.actor == actor
    assert (event.object_type, event.object_id) == ("customers.customer", str(customer.pk))
    assert event.changes == {"field": field}
    assert clear not in json.dumps(event.changes)


@pytest.mark.parametrize("role", ["sales", "support", "manager"])
def test_reveal_refused_without_sensitive_permission(
    users_by_role: dict[str, Any], customer: Customer, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.reveal(customer, actor=users_by_role[role], field="pan")
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_reveal_of_a_non_sensitive_field_is_refused(compliance: Any, customer: Customer) -> None:
    with pytest.raises(ValidationError):
        services.reveal(customer, actor=compliance, field="mobile")


def test_nationality_is_an_iso_code_or_nothing(admin_user: Any) -> None:
    from factories import make_customer

    customer = make_customer(actor=admin_user, nationality="ru")
    assert customer.nationality == "RU"
    with pytest.raises(ValidationError) as caught:
        services.update_customer(customer, actor=admin_user, data={"nationality": "Russia"})
    assert "nationality" in caught.value.message_dict
    services.update_customer(customer, actor=admin_user, data={"nationality": ""})
    customer.refresh_from_db()
    assert customer.nationality == ""
