"""Every write to a lead goes through these functions (design rule 1).

Each is atomic, locks the rows it changes, checks the transition table and the row rule,
writes its audit record in the same transaction and leaves notifications for
``transaction.on_commit``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from clientdesk.activities.models import Kind
from clientdesk.activities.services import log_activity
from clientdesk.core import audit, validators
from clientdesk.core.crypto import keyed_hash
from clientdesk.core.permissions import Access, edits_only_own, has_access, require
from clientdesk.customers.models import Customer
from clientdesk.webhooks.events import emit

from .models import (
    CONVERTIBLE,
    EXPIRY_TRANSITIONS,
    NOT_OPENED,
    SENSITIVE_FIELDS,
    TRANSITIONS,
    AccountType,
    Lead,
    LeadCategory,
    LeadSource,
    LeadStatus,
    LeadStatusChange,
    SavedFilter,
)

MODULE = "leads"

EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "mobile",
    "alt_mobile",
    "email",
    "client_id",
    "referral_code",
    "source",
    "category",
    "account_type",
    "pan",
    "aadhaar",
    "address_line",
    "city",
    "state",
    "postal_code",
    "country",
    "owner",
)
REQUIRED_FIELDS = ("first_name", "mobile", "source")
CHOICES = {
    "source": LeadSource.values,
    "category": LeadCategory.values,
    "account_type": AccountType.values,
}
MAX_LENGTHS = {
    "first_name": 100,
    "last_name": 100,
    "client_id": 30,
    "referral_code": 30,
    "address_line": 255,
    "city": 100,
    "state": 100,
}


# --- permissions -------------------------------------------------------------------------


def can_edit(user: Any, lead: Lead) -> bool:
    """Module write access plus the row rule (scope "own": only the lead's owner)."""
    if not has_access(user, MODULE, Access.WRITE):
        return False
    return not edits_only_own(user) or lead.owner_id == user.pk


def can_convert(user: Any, lead: Lead) -> bool:
    return (
        lead.is_convertible and can_edit(user, lead) and has_access(user, "customers", Access.WRITE)
    )


def _require_edit(user: Any, lead: Lead) -> None:
    require(user, MODULE, Access.WRITE)
    if not can_edit(user, lead):
        raise PermissionDenied("You may change only leads you own.")


# --- validation --------------------------------------------------------------------------


def _normalizers(country: str) -> dict[str, Callable[[Any], Any]]:
    region = getattr(settings, "DEFAULT_PHONE_REGION", "IN")
    return {
        "mobile": lambda v: validators.normalize_phone(v, region),
        "alt_mobile": lambda v: validators.normalize_phone(v, region),
        "email": validators.normalize_email,
        "pan": validators.normalize_pan,
        "aadhaar": validators.normalize_aadhaar,
        "postal_code": lambda v: validators.normalize_postal_code(v, country),
    }


def _clean_value(name: str, value: Any, normalizers: Mapping[str, Callable[[Any], Any]]) -> Any:
    if name in CHOICES and value not in CHOICES[name]:
        raise ValidationError("Choose one of the listed options.", code="invalid_choice")
    if name in MAX_LENGTHS and len(str(value)) > MAX_LENGTHS[name]:
        raise ValidationError(f"Keep it to {MAX_LENGTHS[name]} characters.", code="max_length")
    return normalizers[name](value) if name in normalizers else value


def clean_lead_data(
    data: Mapping[str, Any], *, instance: Lead | None = None, actor: Any = None
) -> dict[str, Any]:
    """Normalize and validate; raise one ValidationError naming every bad field."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "This field cannot be set." for name in sorted(unknown)})
    merged = {f: getattr(instance, f) for f in EDITABLE_FIELDS} if instance else {}
    merged.update({k: v.strip() if isinstance(v, str) else v for k, v in data.items()})
    country = str(merged.get("country") or "IN").upper()
    normalizers = _normalizers(country)
    errors: dict[str, list[Any]] = {}
    cleaned: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        value = merged.get(name)
        if value in (None, ""):
            if name in REQUIRED_FIELDS:
                errors.setdefault(name, []).append("This field is required.")
            cleaned[name] = None if name == "owner" else ""
            continue
        try:
            cleaned[name] = _clean_value(name, value, normalizers)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    cleaned["country"] = country
    if cleaned.get("alt_mobile") and cleaned.get("alt_mobile") == cleaned.get("mobile"):
        errors.setdefault("alt_mobile", []).append("Alternative mobile repeats the mobile.")
    owner = cleaned.get("owner")
    owner_changed = owner != (instance.owner if instance else None)
    if owner is not None and owner_changed and not getattr(owner, "is_active", False):
        errors.setdefault("owner", []).append("Choose an active user.")
    try:  # also when other fields are wrong: one submit names every problem
        check_duplicates(cleaned, instance=instance, actor=actor)
    except ValidationError as exc:
        for name, found in exc.error_dict.items():
            errors.setdefault(name, []).extend(found)  # type: ignore[arg-type]
    if errors:
        raise ValidationError(errors)
    return cleaned


_LABELS = {"mobile": "mobile number", "email": "email address"}


def _duplicate_error(name: str, kind: str, url: str) -> ValidationError:
    """The message names the existing record and carries its URL (``params["url"]``);
    forms render the URL as a link."""
    text = f"A {kind} with this {_LABELS[name]} already exists"
    message = f"{text}: {url}" if url else f"{text}."
    return ValidationError(
        message.replace("%", "%%"),
        code="duplicate",
        params={"url": url, "text": text, "kind": kind},
    )


def check_duplicates(cleaned: Mapping[str, Any], *, instance: Lead | None, actor: Any) -> None:
    """Refuse a mobile or email that another lead or a customer already has."""
    errors: dict[str, ValidationError] = {}
    for name in ("mobile", "email"):
        value = cleaned.get(name)
        if not value:
            continue
        others = Lead.objects.filter(**{name: value})
        if instance is not None:
            others = others.exclude(pk=instance.pk)
        lead_pk = others.values_list("pk", flat=True).first()
        if lead_pk:
            url = reverse("leads:detail", args=[lead_pk]) if has_access(actor, MODULE) else ""
            errors[name] = _duplicate_error(name, "lead", url)
            continue
        customers = Customer.objects.filter(**{name: value})
        if instance is not None and instance.customer_id:
            customers = customers.exclude(pk=instance.customer_id)
        customer_pk = customers.values_list("pk", flat=True).first()
        if customer_pk:
            visible = has_access(actor, "customers")
            url = reverse("customers:detail", args=[customer_pk]) if visible else ""
            errors[name] = _duplicate_error(name, "customer", url)
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]


def _apply(lead: Lead, cleaned: Mapping[str, Any]) -> None:
    for name, value in cleaned.items():
        setattr(lead, name, value)
    lead.search_name = lead.full_name.lower()
    lead.pan_hash = keyed_hash("pan", lead.pan) if lead.pan else ""
    lead.aadhaar_hash = keyed_hash("aadhaar", lead.aadhaar) if lead.aadhaar else ""


def _snapshot(lead: Lead) -> dict[str, Any]:
    return {name: getattr(lead, name) for name in EDITABLE_FIELDS}


def _save_unique(lead: Lead, **kwargs: Any) -> None:
    """Save, turning a lost race on a unique column into the same field error."""
    try:
        with transaction.atomic():
            lead.save(**kwargs)
    except IntegrityError as exc:
        text = str(exc).lower()
        field = next((f for f in ("mobile", "email") if f in text), "__all__")
        raise ValidationError(
            {field: ValidationError("Another lead already has this value.", code="duplicate")}
        ) from exc


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _notify_owner(lead: Lead, actor: Any) -> None:
    """Tell a new owner about the lead, after the commit."""
    owner = lead.owner
    if owner is None or owner.pk == getattr(actor, "pk", None):
        return
    from clientdesk.notifications.services import notify

    url = reverse("leads:detail", args=[lead.pk])
    title = f"Lead assigned to you: {lead.full_name}"
    transaction.on_commit(
        lambda: notify(owner, kind="assignment", title=title, url=url), robust=True
    )


# --- create and edit ---------------------------------------------------------------------


def _check_owner_choice(actor: Any, owner: Any, *, current: Any = None) -> None:
    """A role that edits only its own records cannot hand leads to someone else."""
    if edits_only_own(actor) and owner != current and getattr(owner, "pk", None) != actor.pk:
        raise ValidationError(
            {"owner": ValidationError("Your role cannot assign leads to others.", code="owner")}
        )


def create_lead(
    *, actor: Any, data: Mapping[str, Any], created_at: dt.datetime | None = None
) -> Lead:
    """A new lead in status New; its owner is the creator unless ``data`` names one."""
    require(actor, MODULE, Access.WRITE)
    data = dict(data)
    if "owner" not in data:
        data["owner"] = _user(actor)
    _check_owner_choice(actor, data["owner"])
    cleaned = clean_lead_data(data, actor=actor)
    now = timezone.now()
    with transaction.atomic():
        lead = Lead(status=LeadStatus.NEW, created_by=_user(actor), created_at=created_at or now)
        _apply(lead, cleaned)
        _save_unique(lead)
        audit.record(
            actor=actor,
            action="create",
            target=lead,
            changes=audit.diff({}, _snapshot(lead), sensitive=SENSITIVE_FIELDS),
        )
        _log_status(lead, actor=actor, old="", new=LeadStatus.NEW, note="Lead created.", when=now)
        _notify_owner(lead, actor)
    return lead


def update_lead(lead: Lead, *, actor: Any, data: Mapping[str, Any]) -> Lead:
    """Edit the lead's details (and owner, within the assignment rule)."""
    _require_edit(actor, lead)
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        if "owner" in data:
            _check_owner_choice(actor, data["owner"], current=lead.owner)
        before = _snapshot(lead)
        cleaned = clean_lead_data(data, instance=lead, actor=actor)
        _apply(lead, cleaned)
        changes = audit.diff(before, _snapshot(lead), sensitive=SENSITIVE_FIELDS)
        if not changes:
            return lead
        _save_unique(lead)
        audit.record(actor=actor, action="update", target=lead, changes=changes)
        log_activity(
            lead.customer,
            actor=actor,
            kind=Kind.EDIT,
            body="Updated " + ", ".join(_field_label(f) for f in changes) + ".",
            data={"fields": sorted(changes)},
            subject=lead,
        )
        if "owner" in changes:
            _notify_owner(lead, actor)
    return lead


def _field_label(name: str) -> str:
    return str(getattr(Lead._meta.get_field(name), "verbose_name", name))


# --- status ------------------------------------------------------------------------------


def _log_status(
    lead: Lead, *, actor: Any, old: str, new: str, note: str, when: dt.datetime
) -> None:
    """History row + timeline activity for one status step (caller holds the transaction)."""
    LeadStatusChange.objects.create(
        lead=lead, from_status=old, to_status=new, note=note, actor=_user(actor), created_at=when
    )
    label = LeadStatus(new).label
    body = f"{LeadStatus(old).label} → {label}" if old else f"Created as {label}"
    log_activity(
        lead.customer,
        actor=actor,
        kind=Kind.STATUS_CHANGE,
        body=body + (f"\n{note}" if note else ""),
        when=when,
        data={"from": old, "to": new},
        subject=lead,
    )


def _transition_error(lead: Lead, to_status: str) -> str | None:
    """Why ``lead`` may not move to ``to_status`` by hand (None when it may)."""
    if to_status not in LeadStatus.values:
        return f"Unknown status “{to_status}”."
    if to_status == lead.status:
        return f"The lead is already {lead.get_status_display()}."
    if to_status in (LeadStatus.EXPIRED, LeadStatus.EXPIRED_OPENED):
        return "Leads expire only through the expiry job."
    if to_status not in TRANSITIONS[lead.status]:
        current, target = LeadStatus(lead.status).label, LeadStatus(to_status).label
        return f"A lead in “{current}” cannot move to “{target}”."
    return None


def _set_status(lead: Lead, *, actor: Any, to_status: str, note: str, now: dt.datetime) -> Lead:
    """Apply one checked step to a locked lead: dates, history, audit, timeline."""
    old = lead.status
    lead.status = to_status
    fields = ["status", "updated_at"]
    if to_status == LeadStatus.ACCOUNT_OPENED and lead.account_opened_at is None:
        lead.account_opened_at = now
        fields.append("account_opened_at")
    if to_status == LeadStatus.ACCOUNT_ACTIVATED and lead.account_activated_at is None:
        lead.account_activated_at = now
        fields.append("account_activated_at")
    lead.save(update_fields=fields)
    changes: dict[str, Any] = {"status": {"old": old, "new": to_status}}
    if note:
        changes["note"] = note
    audit.record(actor=actor, action="status_change", target=lead, changes=changes)
    _log_status(lead, actor=actor, old=old, new=to_status, note=note, when=now)
    return lead


def change_lead_status(lead: Lead, *, actor: Any, to_status: str, note: str = "") -> Lead:
    """Move a lead along the transition table, with an optional note."""
    _require_edit(actor, lead)
    note = (note or "").strip()
    with transaction.atomic():
        lead = Lead.objects.select_for_update().get(pk=lead.pk)
        problem = _transition_error(lead, to_status)
        if problem:
            raise ValidationError({"status": ValidationError(problem, code="invalid_transition")})
        return _set_status(lead, actor=actor, to_status=to_status, note=note, now=timezone.now())


def assign_lead(lead: Lead, *, actor: Any, owner: Any) -> Lead:
    """Hand the lead to ``owner`` (None: unassigned). Managers and Admins only."""
    return update_lead(lead, actor=actor, data={"owner": owner})


# --- bulk --------------------------------------------------------------------------------


def _lock_for_bulk(ids: Sequence[int]) -> tuple[list[Lead], list[str]]:
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        raise ValidationError(
            {"ids": ValidationError("Choose at least one lead.", code="required")}
        )
    locked = list(
        Lead.objects.select_for_update(of=("self",))
        .filter(pk__in=wanted)
        .select_related("owner")
        .order_by("pk")
    )
    found = {lead.pk for lead in locked}
    missing = [f"Lead #{pk}: not found." for pk in wanted if pk not in found]
    return locked, missing


def _raise_bulk(failures: list[str]) -> None:
    if failures:
        raise ValidationError({"ids": [ValidationError(f, code="bulk_failed") for f in failures]})


def bulk_change_status(
    ids: Sequence[int], *, actor: Any, to_status: str, note: str = ""
) -> list[Lead]:
    """Move every lead in ``ids`` to ``to_status``, or none of them.

    A ValidationError on ``ids`` lists each lead that cannot move and why.
    """
    require(actor, MODULE, Access.WRITE)
    note = (note or "").strip()
    with transaction.atomic():
        leads, failures = _lock_for_bulk(ids)
        for lead in leads:
            if not can_edit(actor, lead):
                failures.append(f"{lead.full_name}: you may change only leads you own.")
            elif problem := _transition_error(lead, to_status):
                failures.append(f"{lead.full_name}: {problem}")
        _raise_bulk(failures)
        now = timezone.now()
        return [
            _set_status(lead, actor=actor, to_status=to_status, note=note, now=now)
            for lead in leads
        ]


def bulk_assign(ids: Sequence[int], *, actor: Any, owner: Any) -> list[Lead]:
    """Give every lead in ``ids`` to ``owner``, or none of them."""
    require(actor, MODULE, Access.WRITE)
    if edits_only_own(actor):
        raise PermissionDenied("Your role cannot assign leads to others.")
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": "Choose an active user."})
    with transaction.atomic():
        leads, failures = _lock_for_bulk(ids)
        _raise_bulk(failures)
        changed = [lead for lead in leads if lead.owner_id != getattr(owner, "pk", None)]
        for lead in changed:
            old = lead.owner
            lead.owner = owner
            lead.save(update_fields=["owner", "updated_at"])
            audit.record(
                actor=actor,
                action="update",
                target=lead,
                changes=audit.diff({"owner": old}, {"owner": owner}),
            )
            log_activity(
                lead.customer,
                actor=actor,
                kind=Kind.EDIT,
                body=f"Assigned to {owner.display_name if owner else 'nobody'}.",
                data={"fields": ["owner"]},
                subject=lead,
            )
            _notify_owner(lead, actor)
        return leads


# --- conversion --------------------------------------------------------------------------

_CUSTOMER_FIELDS = (
    "first_name",
    "last_name",
    "mobile",
    "alt_mobile",
    "email",
    "pan",
    "aadhaar",
    "address_line",
    "city",
    "state",
    "postal_code",
    "country",
)


def convert_lead(lead: Lead, *, actor: Any) -> Customer:
    """Create the (Pending) customer from the lead's data and link the two; once only.

    The customer keeps the lead's creation time and account-opened time, and its owner.
    """
    _require_edit(actor, lead)
    require(actor, "customers", Access.WRITE)
    with transaction.atomic():
        lead = Lead.objects.select_for_update(of=("self",)).select_related("owner").get(pk=lead.pk)
        _check_convertible(lead)
        data: dict[str, Any] = {f: getattr(lead, f) for f in _CUSTOMER_FIELDS}
        data["assigned_to"] = lead.owner
        from clientdesk.customers.services import register_customer

        customer = register_customer(
            actor=actor, data=data, created_at=lead.created_at, opened_at=lead.account_opened_at
        )
        now = timezone.now()
        lead.customer, lead.converted_at, lead.converted_by = customer, now, _user(actor)
        lead.save(update_fields=["customer", "converted_at", "converted_by", "updated_at"])
        audit.record(
            actor=actor,
            action="update",
            target=lead,
            changes={"customer": {"old": None, "new": customer.client_id}},
        )
        log_activity(
            customer,
            actor=actor,
            kind=Kind.CREATED,
            body=f"Converted from lead {lead.full_name} to customer {customer.client_id}.",
            when=now,
            data={"lead": lead.pk, "customer": customer.pk},
            subject=lead,
        )
        emit("lead.converted", lead)
    return customer


def _check_convertible(lead: Lead) -> None:
    if lead.customer_id is not None:
        client_id = Customer.objects.filter(pk=lead.customer_id).values_list("client_id", flat=True)
        raise ValidationError(
            {
                "customer": ValidationError(
                    f"This lead was already converted to customer {client_id.first()}.",
                    code="already_converted",
                )
            }
        )
    if lead.status not in CONVERTIBLE:
        allowed = " or ".join(LeadStatus(s).label for s in LeadStatus if s in CONVERTIBLE)
        raise ValidationError(
            {
                "status": ValidationError(
                    f"Only a lead in {allowed} can become a customer; "
                    f"this one is {lead.get_status_display()}.",
                    code="not_convertible",
                )
            }
        )


# --- expiry ------------------------------------------------------------------------------


def expiry_periods() -> tuple[int, int]:
    return (
        int(getattr(settings, "LEAD_EXPIRY_DAYS", 60)),
        int(getattr(settings, "LEAD_OPENED_EXPIRY_DAYS", 30)),
    )


def expire_leads(*, now: dt.datetime | None = None, batch_size: int = 500) -> dict[str, int]:
    """The expiry job: not opened within LEAD_EXPIRY_DAYS of creation -> Lead Expired;
    opened but not activated within LEAD_OPENED_EXPIRY_DAYS of opening -> Lead Expired
    (Account Opened). Safe to run twice (expired leads are final)."""
    now = now or timezone.now()
    days, opened_days = expiry_periods()
    stale = Lead.objects.filter(status__in=NOT_OPENED, created_at__lte=now - dt.timedelta(days))
    opened = Lead.objects.filter(
        status=LeadStatus.ACCOUNT_OPENED,
        account_opened_at__lte=now - dt.timedelta(opened_days),
    )
    counts = {LeadStatus.EXPIRED.value: 0, LeadStatus.EXPIRED_OPENED.value: 0}
    for queryset in (stale, opened):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            for lead in _expire_batch(ids[start : start + batch_size], now, days, opened_days):
                counts[lead.status] += 1
    return counts


def _is_due(lead: Lead, now: dt.datetime, days: int, opened_days: int) -> bool:
    if lead.status in NOT_OPENED:
        return lead.created_at <= now - dt.timedelta(days)
    if lead.status == LeadStatus.ACCOUNT_OPENED and lead.account_opened_at:
        return lead.account_opened_at <= now - dt.timedelta(opened_days)
    return False


def _expire_batch(ids: list[int], now: dt.datetime, days: int, opened_days: int) -> list[Lead]:
    with transaction.atomic():
        leads = list(Lead.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        due = [lead for lead in leads if _is_due(lead, now, days, opened_days)]  # re-checked
        period = {LeadStatus.EXPIRED: days, LeadStatus.EXPIRED_OPENED: opened_days}
        for lead in due:
            target = EXPIRY_TRANSITIONS[lead.status]
            note = f"Expired automatically after {period[LeadStatus(target)]} days."
            _set_status(lead, actor=None, to_status=target, note=note, now=now)
    return due


# --- saved filters (a user's own preference, not business data) --------------------------


def save_filter(*, actor: Any, list_key: str, name: str, query: str) -> SavedFilter:
    """Save (or overwrite, by name) the user's filter for a list page."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the filter a name."})
    if len(name) > 60:
        raise ValidationError({"name": "Keep the name to 60 characters."})
    saved, _ = SavedFilter.objects.update_or_create(
        user=actor, list_key=list_key, name=name, defaults={"query": query[:2000]}
    )
    return saved


def delete_filter(saved: SavedFilter, *, actor: Any) -> None:
    if saved.user_id != actor.pk:
        raise PermissionDenied("This saved filter belongs to someone else.")
    saved.delete()
