"""Every write to a customer goes through these functions (design rule 1).

Each is atomic, checks the transition table or the row rule, writes its audit record in
the same transaction and leaves side effects for ``transaction.on_commit``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clientdesk.activities.models import Kind
from clientdesk.activities.services import log_activity
from clientdesk.core import audit, validators
from clientdesk.core.counters import next_values
from clientdesk.core.crypto import keyed_hash
from clientdesk.core.permissions import (
    Access,
    can_view_sensitive,
    edits_only_own,
    has_access,
    require,
)
from clientdesk.core.scopes import Capability, has_capability
from clientdesk.webhooks.events import emit

from .models import (
    HASHED_FIELDS,
    PRIVILEGED_TRANSITIONS,
    SENSITIVE_FIELDS,
    TRANSITIONS,
    Customer,
    IdType,
    Status,
    StatusChange,
)

MODULE = "customers"

EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "marital_status",
    "mobile",
    "alt_mobile",
    "email",
    "address_line",
    "city",
    "state",
    "postal_code",
    "country",
    "nationality",
    "id_type",
    "id_number",
    "pan",
    "aadhaar",
    "bank_account_number",
    "bank_ifsc",
    "bank_name",
    "income_band",
    "occupation",
    "source_of_funds",
    "assigned_to",
)
REQUIRED_FIELDS = ("first_name", "mobile")

# Checks another module adds before a Pending customer may become Active (the KYC module
# registers "approved KYC required" here). Each returns an error message or None.
ACTIVATION_CHECKS: list[Callable[[Customer], str | None]] = []

# Run after commit when a customer is registered (created=True, every field name) or
# updated (the changed field names); the screening module re-screens and re-rates here.
CUSTOMER_SAVED_HOOKS: list[Callable[[Customer, set[str], bool], None]] = []


def _after_save(customer: Customer, changed: set[str], created: bool) -> None:
    for hook in CUSTOMER_SAVED_HOOKS:
        transaction.on_commit(partial(hook, customer, changed, created), robust=True)


# --- validation --------------------------------------------------------------------------


def _normalizers(country: str) -> dict[str, Callable[[Any], Any]]:
    region = settings.DEFAULT_PHONE_REGION
    return {
        "mobile": lambda v: validators.normalize_phone(v, region),
        "alt_mobile": lambda v: validators.normalize_phone(v, region),
        "email": validators.normalize_email,
        "pan": validators.normalize_pan,
        "aadhaar": validators.normalize_aadhaar,
        "postal_code": lambda v: validators.normalize_postal_code(v, country),
        "bank_ifsc": validators.validate_ifsc,
        "bank_account_number": validators.validate_bank_account_number,
        "nationality": _nationality,
    }


def _nationality(value: Any) -> str:
    if not _is_country_code(value):
        raise ValidationError("Choose a nationality by its two-letter ISO code, e.g. IN.")
    return str(value).upper()


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _is_country_code(value: Any) -> bool:
    return (
        isinstance(value, str)
        and value.isascii()
        and value.upper() in phonenumbers.SUPPORTED_REGIONS
    )


def clean_customer_data(
    data: Mapping[str, Any], *, instance: Customer | None = None, actor: Any = None
) -> dict[str, Any]:
    """Normalize and validate; raise one ValidationError naming every bad field."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be set." for name in sorted(unknown)})
    merged = {f: getattr(instance, f) for f in EDITABLE_FIELDS} if instance else {}
    merged.update({k: _strip(v) for k, v in data.items()})
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    country = (merged.get("country") or "IN").upper()
    if not _is_country_code(merged.get("country") or "IN"):
        # ASCII first: "ß".upper() is "SS" and "ﬃ".upper() is "FFI" (too long for the column).
        errors["country"] = ["Choose a country by its two-letter ISO code, e.g. IN."]
    cleaned["country"] = country
    normalizers = _normalizers(country)
    for name in EDITABLE_FIELDS:
        value = merged.get(name)
        if value in (None, ""):
            if name in REQUIRED_FIELDS:
                errors.setdefault(name, []).append("This field is required.")
            cleaned[name] = None if name in ("date_of_birth", "assigned_to") else ""
            continue
        try:
            cleaned[name] = normalizers[name](value) if name in normalizers else value
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    cleaned["country"] = country
    _check_identification(cleaned, errors)
    _check_dob(cleaned, errors)
    if cleaned.get("alt_mobile") and cleaned.get("alt_mobile") == cleaned.get("mobile"):
        errors.setdefault("alt_mobile", []).append("Alternative mobile repeats the mobile.")
    if errors:
        raise ValidationError(errors)
    _check_duplicates(cleaned, instance=instance, actor=actor)
    return cleaned


def _check_identification(cleaned: dict[str, Any], errors: dict[str, list[str]]) -> None:
    id_type, id_number = cleaned.get("id_type"), cleaned.get("id_number")
    if id_number and not id_type:
        errors.setdefault("id_type", []).append("Choose the type of this ID.")
    elif id_type and not id_number:
        errors.setdefault("id_number", []).append("Enter the ID number.")
    elif id_type and id_number and "id_number" not in errors:
        if id_type not in IdType.values:
            errors.setdefault("id_type", []).append("Choose a valid ID type.")
            return
        try:
            cleaned["id_number"] = validators.normalize_id_number(
                id_type, id_number, country=cleaned.get("country") or "IN"
            )
        except ValidationError as exc:
            errors.setdefault("id_number", []).extend(exc.messages)


def _check_dob(cleaned: dict[str, Any], errors: dict[str, list[str]]) -> None:
    dob = cleaned.get("date_of_birth")
    if dob is None:
        return
    if isinstance(dob, str):
        try:
            dob = dt.date.fromisoformat(dob)
        except ValueError:
            errors.setdefault("date_of_birth", []).append("Enter a date as YYYY-MM-DD.")
            return
        cleaned["date_of_birth"] = dob
    try:
        validators.validate_age(dob, minimum=settings.MIN_CUSTOMER_AGE)
    except ValidationError as exc:
        errors.setdefault("date_of_birth", []).extend(exc.messages)


_DUPLICATE_LABELS = {
    "mobile": "mobile number",
    "email": "email address",
    "pan": "PAN",
    "aadhaar": "Aadhaar number",
}


def _check_duplicates(cleaned: dict[str, Any], *, instance: Customer | None, actor: Any) -> None:
    lookups: dict[str, dict[str, str]] = {}
    for name in ("mobile", "email"):
        if cleaned.get(name):
            lookups[name] = {name: cleaned[name]}
    for name in ("pan", "aadhaar"):
        if cleaned.get(name):
            lookups[name] = {f"{name}_hash": keyed_hash(name, cleaned[name])}
    errors: dict[str, str] = {}
    for name, lookup in lookups.items():
        others = Customer.objects.filter(**lookup)
        if instance is not None:
            others = others.exclude(pk=instance.pk)
        other = others.values_list("client_id", flat=True).first()
        if other:
            label = _DUPLICATE_LABELS[name]
            # Naming the holder of a PAN or Aadhaar would make this error an oracle ("whose
            # number is this?"): only roles that may see identifiers learn the client ID.
            named = has_access(actor, MODULE, Access.READ) and (
                name not in HASHED_FIELDS or can_view_sensitive(actor)
            )
            errors[name] = (
                f"Another customer ({other}) already has this {label}."
                if named
                else f"Another customer already has this {label}."
            )
    if errors:
        raise ValidationError(
            {name: ValidationError(msg, code="duplicate") for name, msg in errors.items()}
        )


def _apply(customer: Customer, cleaned: Mapping[str, Any]) -> None:
    for name, value in cleaned.items():
        setattr(customer, name, value)
    customer.search_name = f"{customer.first_name} {customer.last_name}".strip().lower()
    customer.pan_hash = keyed_hash("pan", customer.pan) if customer.pan else ""
    customer.aadhaar_hash = keyed_hash("aadhaar", customer.aadhaar) if customer.aadhaar else ""
    customer.id_number_hash = (
        keyed_hash("id_number", customer.id_number) if customer.id_number else ""
    )


def _snapshot(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in EDITABLE_FIELDS}


def new_client_ids(count: int) -> list[str]:
    prefix = settings.CLIENT_ID_PREFIX
    return [f"{prefix}{n:08d}" for n in next_values("client_id", count)]


def _save_unique(customer: Customer, **kwargs: Any) -> None:
    """Save, turning a lost race on a unique column into the same field error."""
    try:
        with transaction.atomic():
            customer.save(**kwargs)
    except IntegrityError as exc:
        text = str(exc).lower()
        field = next((f for f in ("mobile", "email", "pan", "aadhaar") if f in text), None)
        raise ValidationError(
            {
                field or "__all__": ValidationError(
                    "Another customer already has this value.", code="duplicate"
                )
            }
        ) from exc


# --- writes ------------------------------------------------------------------------------


def register_customer(
    *,
    actor: Any,
    data: Mapping[str, Any],
    created_at: dt.datetime | None = None,
    opened_at: dt.datetime | None = None,
) -> Customer:
    """Registration (DFS guide step 2): a new Pending customer with an opened account.

    A lead conversion passes the lead's creation time as ``created_at`` (and its
    account-opened time, if the lead had one, as ``opened_at``).
    """
    require(actor, MODULE, Access.WRITE)
    cleaned = clean_customer_data(data, actor=actor)
    now = timezone.now()
    with transaction.atomic():
        customer = Customer(
            client_id=new_client_ids(1)[0],
            status=Status.PENDING,
            created_by=actor if getattr(actor, "pk", None) else None,
            created_at=created_at or now,
            account_opened_at=opened_at or now,
        )
        if cleaned.get("assigned_to") is None and edits_only_own(actor):
            cleaned["assigned_to"] = actor  # a Sales User's own registrations stay theirs
        _apply(customer, cleaned)
        _save_unique(customer)
        after = _snapshot(customer)
        audit.record(
            actor=actor,
            action="create",
            target=customer,
            changes=audit.diff({}, after, sensitive=SENSITIVE_FIELDS),
        )
        log_activity(
            customer, actor=actor, kind=Kind.CREATED, body="Customer registered.", when=now
        )
        _after_save(customer, set(after), True)
        emit("customer.created", customer)
    return customer


def can_edit(user: Any, customer: Customer) -> bool:
    """Module write access plus the row rule (own customers only for scope "own")."""
    if not has_access(user, MODULE, Access.WRITE):
        return False
    return not edits_only_own(user) or customer.assigned_to_id == user.pk


def _require_edit(user: Any, customer: Customer) -> None:
    require(user, MODULE, Access.WRITE)
    if not can_edit(user, customer):
        raise PermissionDenied("You may change only customers assigned to you.")


def update_customer(customer: Customer, *, actor: Any, data: Mapping[str, Any]) -> Customer:
    _require_edit(actor, customer)
    reassigning = "assigned_to" in data and data["assigned_to"] != customer.assigned_to
    if reassigning and edits_only_own(actor):
        raise ValidationError({"assigned_to": "Your role cannot reassign customers."})
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        before = _snapshot(customer)
        cleaned = clean_customer_data(data, instance=customer, actor=actor)
        _apply(customer, cleaned)
        changes = audit.diff(before, _snapshot(customer), sensitive=SENSITIVE_FIELDS)
        if not changes:
            return customer
        _save_unique(customer)
        audit.record(actor=actor, action="update", target=customer, changes=changes)
        log_activity(
            customer,
            actor=actor,
            kind=Kind.EDIT,
            body="Updated " + ", ".join(_field_label(f) for f in changes) + ".",
            data={"fields": sorted(changes)},
        )
        _after_save(customer, set(changes), False)
        emit("customer.updated", customer, changed_fields=sorted(changes))
    return customer


def _field_label(name: str) -> str:
    return str(getattr(Customer._meta.get_field(name), "verbose_name", name))


def change_status(customer: Customer, *, actor: Any, to_status: str, reason: str) -> Customer:
    """Move a customer along the transition table; every change needs a reason."""
    _require_edit(actor, customer)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if to_status not in Status.values:
        errors["status"] = f"Unknown status “{to_status}”."
    if not reason:
        errors["reason"] = "Give a reason for the status change."
    if errors:
        raise ValidationError(errors)
    if to_status in (Status.BLOCKED, Status.CLOSED):
        from clientdesk.approvals import gate

        _check_transition(customer, to_status, actor)  # refuse before storing a request
        payload = {"customer": customer.pk, "to_status": to_status, "reason": reason}
        gate.require("customer.block_close", actor=actor, target=customer, payload=payload)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        _check_transition(customer, to_status, actor)
        now, from_status = timezone.now(), customer.status
        customer.status = to_status
        fields = ["status", "updated_at"]
        if to_status == Status.ACTIVE and customer.account_activated_at is None:
            customer.account_activated_at = now
            fields.append("account_activated_at")
        customer.save(update_fields=fields)
        StatusChange.objects.create(
            customer=customer,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            actor=actor if getattr(actor, "pk", None) else None,
            created_at=now,
        )
        audit.record(
            actor=actor,
            action="status_change",
            target=customer,
            changes={"status": {"old": from_status, "new": to_status}, "reason": reason},
        )
        log_activity(
            customer,
            actor=actor,
            kind=Kind.STATUS_CHANGE,
            body=reason,
            when=now,
            data={"from": from_status, "to": to_status},
        )
        transaction.on_commit(
            partial(_queue_status_message, customer, actor, from_status, to_status), robust=True
        )
        emit("customer.status_changed", customer, previous_status=from_status)
    return customer


def _queue_status_message(customer: Customer, actor: Any, old: str, new: str) -> None:
    """Tell the customer (email, SMS, in-app by default; opt-outs respected)."""
    from clientdesk.comms.services import queue_customer_message

    queue_customer_message(
        customer,
        actor=actor,
        event="customer_status_changed",
        context={
            "old_status": Status(old).label,
            "new_status": Status(new).label,
            "new_status_code": new,
        },
    )


def _check_transition(customer: Customer, to_status: str, actor: Any) -> None:
    current = customer.status
    if to_status == current:
        message = f"The customer is already {customer.get_status_display()}."
        raise ValidationError({"status": ValidationError(message, code="invalid_transition")})
    if to_status not in TRANSITIONS[current]:
        message = f"A {Status(current).label} customer cannot become {Status(to_status).label}."
        raise ValidationError({"status": ValidationError(message, code="invalid_transition")})
    if (current, to_status) in PRIVILEGED_TRANSITIONS and not _is_privileged(actor):
        raise PermissionDenied("Only a Manager or an Admin can reactivate a blocked customer.")
    if current == Status.PENDING and to_status == Status.ACTIVE:
        problems = [msg for check in ACTIVATION_CHECKS if (msg := check(customer))]
        if problems:
            raise ValidationError(
                {"status": [ValidationError(p, code="activation_blocked") for p in problems]}
            )


def transition_options(customer: Customer, *, actor: Any) -> list[tuple[str, str, str]]:
    """The statuses the customer may move to, each with "" or the reason it would be refused
    now (e.g. KYC not approved), so the status dialog disables what cannot succeed."""
    options = []
    for value in customer.allowed_transitions():
        try:
            _check_transition(customer, value, actor)
        except ValidationError as exc:
            reason = " ".join(exc.messages)
        except PermissionDenied as exc:
            reason = str(exc)
        else:
            reason = ""
        options.append((value, str(Status(value).label), reason))
    return options


REVIEW_CHECKLIST = {
    "contact_verified": "Contact info verified",
    "no_pending_tickets": "No pending tickets",
    "recent_activity_logged": "Recent activity logged",
}


def review_profile(
    customer: Customer, *, actor: Any, checklist: Mapping[str, bool], notes: str = ""
) -> Customer:
    """Record the profile-review SOP as an activity and stamp who reviewed when."""
    require(actor, MODULE, Access.READ)
    require(actor, "activities", Access.WRITE)
    unknown = set(checklist) - set(REVIEW_CHECKLIST)
    if unknown:
        raise ValidationError({"checklist": f"Unknown items: {', '.join(sorted(unknown))}."})
    items = {key: bool(checklist.get(key)) for key in REVIEW_CHECKLIST}
    now = timezone.now()
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        customer.last_reviewed_at = now
        customer.last_reviewed_by = actor if getattr(actor, "pk", None) else None
        customer.save(update_fields=["last_reviewed_at", "last_reviewed_by", "updated_at"])
        done = [label for key, label in REVIEW_CHECKLIST.items() if items[key]]
        open_items = [label for key, label in REVIEW_CHECKLIST.items() if not items[key]]
        body = "Profile reviewed. " + (
            f"Open points: {', '.join(open_items)}." if open_items else "All points verified."
        )
        if notes.strip():
            body += "\n" + notes.strip()
        log_activity(
            customer,
            actor=actor,
            kind=Kind.REVIEW,
            body=body,
            when=now,
            data={"checklist": items, "verified": done},
        )
        audit.record(
            actor=actor,
            action="update",
            target=customer,
            changes={"last_reviewed_at": {"old": None, "new": now.isoformat()}},
        )
    return customer


def _is_privileged(user: Any) -> bool:
    return has_capability(user, Capability.LIFT_BLOCK)


def reveal(customer: Customer, *, actor: Any, field: str) -> str:
    """Return one sensitive value in clear for a permitted user; always audited."""
    if field not in SENSITIVE_FIELDS:
        raise ValidationError({"field": f"Choose one of: {', '.join(SENSITIVE_FIELDS)}."})
    require(actor, MODULE, Access.READ)
    if not can_view_sensitive(actor):
        raise PermissionDenied("Your role cannot view sensitive identifiers.")
    value = getattr(customer, field)
    with transaction.atomic():
        audit.record(actor=actor, action="reveal", target=customer, changes={"field": field})
    return value.isoformat() if isinstance(value, dt.date) else (value or "")
