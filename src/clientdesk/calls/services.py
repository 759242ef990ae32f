"""Writes of call logs: one call logged by hand, or a batch synced by a dialer or phone app.

Both paths parse rows with ``parse_call`` (field-named errors), link each call to a customer
or lead by number, keep the cold-call flag right and put the call on the timeline. The batch
path does all of that with a handful of queries per batch, not per call.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from clientdesk.activities import services as activity_services
from clientdesk.activities.models import Activity, Kind
from clientdesk.activities.services import log_activity
from clientdesk.core import audit
from clientdesk.core.permissions import Access, Module, edits_only_own, require
from clientdesk.core.validators import normalize_phone, parse_event_time
from clientdesk.customers.models import Customer
from clientdesk.leads.models import Lead

from .models import CallLog, CallSource, CallStatus, Direction

MAX_BATCH = 1000
MAX_DURATION = 24 * 3600
MAX_NOTES = 5000
WHATSAPP_DEDUPE = dt.timedelta(minutes=2)

# "No Answer", "no-answer", "NO_ANSWER" and "no_answer" all mean CallStatus.NO_ANSWER.
_STATUS_ALIASES = {
    **{s.value: s.value for s in CallStatus},
    **{s.label.lower().replace(" ", "_"): s.value for s in CallStatus},
    "cancelled": CallStatus.CANCELED.value,
    "missed": CallStatus.MISSED_CALL.value,
    "answered": CallStatus.COMPLETED.value,
}
_DIRECTION_ALIASES = {
    "incoming": Direction.INCOMING.value,
    "inbound": Direction.INCOMING.value,
    "in": Direction.INCOMING.value,
    "outgoing": Direction.OUTGOING.value,
    "outbound": Direction.OUTGOING.value,
    "out": Direction.OUTGOING.value,
}
_url_validator = URLValidator(schemes=["http", "https"])


@dataclass
class CallInput:
    """One parsed, normalized call, ready to store."""

    direction: str
    from_number: str
    to_number: str
    started_at: dt.datetime
    duration_seconds: int
    status: str
    notes: str = ""
    recording_url: str = ""
    staff_id: int | None = None
    device_id: str = ""
    device_call_id: str = ""
    index: int = 0

    @property
    def party_number(self) -> str:
        return self.to_number if self.direction == Direction.OUTGOING else self.from_number

    @property
    def key(self) -> tuple[str, str]:
        return (self.device_id, self.device_call_id)


# ----------------------------------------------------------------------------- parsing


class _Errors(dict[str, list[str]]):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def _text(raw: Mapping[str, Any], name: str, errors: _Errors, max_length: int) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int):
        errors.add(name, "Enter text.")
        return ""
    text = str(value).strip()
    if len(text) > max_length:
        errors.add(name, f"Keep it under {max_length:,} characters.")
    return text


def _choice(value: Any, aliases: Mapping[str, str]) -> str | None:
    if not isinstance(value, str):
        return None
    return aliases.get(value.strip().lower().replace(" ", "_").replace("-", "_"))


@functools.lru_cache(maxsize=100_000)
def _normalized_phone(value: str, region: str) -> str | None:
    """E.164 or None; cached because a dialer sends the same numbers again and again."""
    try:
        return normalize_phone(value, region)
    except ValidationError:
        return None


def _phone(value: str, cache: dict[str, str | None]) -> str | None:
    if value not in cache:
        cache[value] = _normalized_phone(value, settings.DEFAULT_PHONE_REGION)
    return cache[value]


def _started_at(value: Any, now: dt.datetime) -> dt.datetime | str:
    return parse_event_time(value, now, what="the call started")


def _duration(value: Any, errors: _Errors) -> int:
    if value in (None, ""):
        return 0
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        errors.add("duration_seconds", "Enter a whole number of seconds.")
        return 0
    if isinstance(value, float) and value != seconds:
        seconds = round(value)
    if not 0 <= seconds <= MAX_DURATION:
        errors.add("duration_seconds", "Enter between 0 and 86,400 seconds (24 hours).")
    return seconds


def _numbers(
    raw: Mapping[str, Any], direction: str | None, errors: _Errors, cache: dict[str, str | None]
) -> tuple[str, str]:
    """(from, to) in E.164. The customer's side is required, the staff side optional."""
    party = "to_number" if direction == Direction.OUTGOING else "from_number"
    result = {}
    for name in ("from_number", "to_number"):
        value = _text(raw, name, errors, 30)
        if not value:
            if name == party and direction:
                errors.add(name, "Enter the customer's number.")
            result[name] = ""
            continue
        normalized = _phone(value, cache)
        if normalized is None:
            errors.add(name, "Enter a valid phone number, e.g. 98765 43210 or +44 20 7946 0958.")
        result[name] = normalized or ""
    return result["from_number"], result["to_number"]


def parse_call(
    raw: Any,
    *,
    now: dt.datetime | None = None,
    phone_cache: dict[str, str | None] | None = None,
) -> CallInput:
    """Check and normalize one call; raises ValidationError naming every bad field."""
    if not isinstance(raw, Mapping):
        raise ValidationError({"non_field_errors": ["Each call must be a JSON object."]})
    errors = _Errors()
    now = now or timezone.now()
    cache = phone_cache if phone_cache is not None else {}
    direction = _choice(raw.get("direction"), _DIRECTION_ALIASES)
    if direction is None:
        errors.add("direction", "Choose Incoming or Outgoing.")
    status = _choice(raw.get("status"), _STATUS_ALIASES)
    if status is None:
        errors.add("status", "Choose a status: " + ", ".join(CallStatus.labels) + ".")
    from_number, to_number = _numbers(raw, direction, errors, cache)
    started = _started_at(raw.get("started_at"), now)
    if isinstance(started, str):
        errors.add("started_at", started)
    duration = _duration(raw.get("duration_seconds"), errors)
    notes = _text(raw, "notes", errors, MAX_NOTES)
    recording_url = _recording_url(raw, errors)
    staff_id = _staff_id(raw.get("staff"), errors)
    device_id = _text(raw, "device_id", errors, 64)
    device_call_id = _text(raw, "device_call_id", errors, 64)
    if errors:
        raise ValidationError(dict(errors))
    assert direction is not None and status is not None and isinstance(started, dt.datetime)
    return CallInput(
        direction=direction,
        from_number=from_number,
        to_number=to_number,
        started_at=started,
        duration_seconds=duration,
        status=status,
        notes=notes,
        recording_url=recording_url,
        staff_id=staff_id,
        device_id=device_id,
        device_call_id=device_call_id,
    )


def _recording_url(raw: Mapping[str, Any], errors: _Errors) -> str:
    url = _text(raw, "recording_url", errors, 500)
    if url:
        try:
            _url_validator(url)
        except ValidationError:
            errors.add("recording_url", "Enter a valid http(s) link to the recording.")
    return url


def _staff_id(value: Any, errors: _Errors) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        errors.add("staff", "Give the staff member's user id.")
        return None
    return int(value)


# ----------------------------------------------------------------------------- staff


NOT_OWN_CALL = "You may log only your own calls."


def _check_staff(rows: list[CallInput], actor: Any) -> dict[int, str]:
    """Fill in the staff member (default: the actor); index -> error for rows that fail.

    A role that edits only its own records may log only its own calls.
    """
    own_only = edits_only_own(actor)
    wanted = {r.staff_id for r in rows if r.staff_id not in (None, actor.pk)}
    active: set[int] = set()
    if wanted and not own_only:
        users = get_user_model().objects.filter(pk__in=wanted, is_active=True)
        active = set(users.values_list("pk", flat=True))
    errors: dict[int, str] = {}
    for row in rows:
        if row.staff_id is None or row.staff_id == actor.pk:
            row.staff_id = actor.pk
        elif own_only:
            errors[row.index] = NOT_OWN_CALL
        elif row.staff_id not in active:
            errors[row.index] = "No active user has this id."
    return errors


# ----------------------------------------------------------------------------- linking


def link_numbers(numbers: Iterable[str]) -> dict[str, tuple[int | None, int | None]]:
    """number -> (customer id, lead id), in two queries for any number of numbers.

    Customers first (mobile before alternative mobile), then leads; a converted lead brings
    its customer along.
    """
    wanted = {n for n in numbers if n}
    links: dict[str, tuple[int | None, int | None]] = {}
    if not wanted:
        return links
    rows = list(
        Customer.objects.filter(Q(mobile__in=wanted) | Q(alt_mobile__in=wanted))
        .order_by("id")
        .values_list("id", "mobile", "alt_mobile")
    )
    for pk, _mobile, alt in rows:
        if alt in wanted and alt not in links:
            links[alt] = (pk, None)
    for pk, mobile, _alt in rows:
        if mobile in wanted:
            links[mobile] = (pk, None)  # a mobile match beats an alternative-mobile match
    rest = wanted - links.keys()
    if rest:
        _link_leads(rest, links)
    return links


def _link_leads(wanted: set[str], links: dict[str, tuple[int | None, int | None]]) -> None:
    rows = list(
        Lead.objects.filter(Q(mobile__in=wanted) | Q(alt_mobile__in=wanted))
        .order_by("id")
        .values_list("id", "mobile", "alt_mobile", "customer_id")
    )
    for pk, _mobile, alt, customer_id in rows:
        if alt in wanted and alt not in links:
            links[alt] = (customer_id, pk)
    for pk, mobile, _alt, customer_id in rows:
        if mobile in wanted:
            links[mobile] = (customer_id, pk)


# ----------------------------------------------------------------------------- cold calls


def _lock_numbers(numbers: set[str]) -> None:
    """Serialize concurrent batches that call the same numbers, until commit.

    Two phones syncing a first call to the same number at once must not both mark it cold.
    PostgreSQL: one transaction-level advisory lock per number, taken in a fixed order (no
    deadlocks). SQLite needs none: its IMMEDIATE transactions already run one writer at a time.
    """
    if connection.vendor != "postgresql" or not numbers:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(h)) FROM "
            "(SELECT DISTINCT hashtextextended(n, 7) AS h FROM unnest(%s::text[]) AS n "
            "ORDER BY h) AS numbers",
            [sorted(numbers)],
        )


def _mark_cold_calls(calls: list[CallLog]) -> None:
    """Flag the earliest outgoing call to each number; unflag stored calls it now precedes."""
    outgoing = sorted(
        (c for c in calls if c.direction == Direction.OUTGOING), key=lambda c: c.started_at
    )
    if not outgoing:
        return
    numbers = {c.party_number for c in outgoing}
    _lock_numbers(numbers)
    first_stored = dict(
        CallLog.objects.filter(direction=Direction.OUTGOING, party_number__in=numbers)
        .values("party_number")
        .annotate(first=Min("started_at"))
        .values_list("party_number", "first")
    )
    seen: set[str] = set()
    earlier_now: list[str] = []
    for call in outgoing:
        number = call.party_number
        stored = first_stored.get(number)
        call.is_cold_call = number not in seen and (stored is None or call.started_at < stored)
        if call.is_cold_call and stored is not None:
            earlier_now.append(number)
        seen.add(number)
    if earlier_now:
        CallLog.objects.filter(
            direction=Direction.OUTGOING, party_number__in=earlier_now, is_cold_call=True
        ).update(is_cold_call=False)


# ----------------------------------------------------------------------------- storing


def _build(row: CallInput, *, actor: Any, source: str, link: tuple[Any, Any]) -> CallLog:
    return CallLog(
        direction=row.direction,
        from_number=row.from_number,
        to_number=row.to_number,
        party_number=row.party_number,
        started_at=row.started_at,
        duration_seconds=row.duration_seconds,
        status=row.status,
        notes=row.notes,
        recording_url=row.recording_url,
        staff_id=row.staff_id,
        customer_id=link[0],
        lead_id=link[1],
        source=source,
        device_id=row.device_id,
        device_call_id=row.device_call_id,
        created_by=actor if getattr(actor, "pk", None) else None,
    )


_DIRECTION_LABELS = dict(Direction.choices)
_STATUS_LABELS = dict(CallStatus.choices)


def activity_body(call: CallLog) -> str:
    parts = [
        f"{_DIRECTION_LABELS[call.direction]} call",
        _STATUS_LABELS[call.status],
        call.duration_display,
    ]
    if call.is_cold_call:
        parts.append("cold call")
    body = " · ".join(parts)
    return f"{body}\n{call.notes}" if call.notes else body


def activity_data(call: CallLog) -> dict[str, Any]:
    return {
        "call_id": call.pk,
        "direction": call.direction,
        "status": call.status,
        "duration_seconds": call.duration_seconds,
        "number": call.party_number,
        "cold_call": call.is_cold_call,
    }


# ----------------------------------------------------------------------------- one call


def log_call(
    *,
    actor: Any,
    data: Mapping[str, Any],
    customer: Customer | None = None,
    source: str = CallSource.MANUAL,
) -> tuple[CallLog, bool]:
    """Log one call (the profile dialog, the call form, ``POST /api/v1/calls/``).

    Returns (call, created). ``customer`` links the call to that customer whatever the
    number (the dialog on their profile). A call with a known ``device_call_id`` is not
    stored twice: the stored one comes back with ``created`` False.
    """
    require(actor, Module.CALLS, Access.WRITE)
    row = parse_call(data)
    staff_error = _check_staff([row], actor).get(row.index)
    if staff_error == NOT_OWN_CALL:
        raise PermissionDenied(staff_error)
    if staff_error:
        raise ValidationError({"staff": [staff_error]})
    with transaction.atomic():
        if row.device_call_id:
            known = CallLog.objects.filter(
                device_id=row.device_id, device_call_id=row.device_call_id
            ).first()
            if known is not None:
                return known, False
        link = link_numbers([row.party_number]).get(row.party_number, (None, None))
        if customer is not None:
            link = (customer.pk, link[1] if link[0] == customer.pk else None)
        call = _build(row, actor=actor, source=source, link=link)
        _mark_cold_calls([call])
        call.save()
        _log_call_activity(call, actor=actor)
        audit.record(actor=actor, action="create", target=call, changes=_audit_changes(call))
    return call, True


def _audit_changes(call: CallLog) -> dict[str, Any]:
    names = ("direction", "party_number", "status", "duration_seconds", "customer_id", "lead_id")
    return {name: {"old": None, "new": getattr(call, name)} for name in names}


def _log_call_activity(call: CallLog, *, actor: Any) -> None:
    subject = call.customer or call.lead
    if subject is None:
        return  # nobody's timeline to put it on
    log_activity(
        call.customer,
        actor=call.staff or actor,
        kind=Kind.CALL,
        body=activity_body(call),
        data=activity_data(call),
        when=call.started_at,
        subject=subject,
    )


# ----------------------------------------------------------------------------- batches


@dataclass
class IntakeResult:
    created: list[dict[str, Any]] = field(default_factory=list)
    existing: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self, received: int) -> dict[str, Any]:
        return {
            "received": received,
            "created_count": len(self.created),
            "existing_count": len(self.existing),
            "error_count": len(self.errors),
            "created": self.created,
            "existing": self.existing,
            "errors": self.errors,
        }


def intake_calls(*, actor: Any, rows: Any) -> IntakeResult:
    """Store a batch of calls from a dialer or phone app; idempotent by device call id.

    Every row needs a ``device_call_id``. Rows already stored (or repeated in the batch) are
    reported as existing and change nothing; bad rows are reported by index with their field
    errors while the good ones are stored. The good rows are stored together or not at all.
    """
    require(actor, Module.CALLS, Access.WRITE)
    if not isinstance(rows, list):
        raise ValidationError(
            {
                "non_field_errors": ValidationError(
                    "Send a JSON list of calls.", code="invalid_batch"
                )
            }
        )
    if len(rows) > MAX_BATCH:
        message = f"Send at most {MAX_BATCH:,} calls per batch."
        raise ValidationError(
            {"non_field_errors": ValidationError(message, code="batch_too_large")}
        )
    result = IntakeResult()
    parsed = _parse_batch(rows, result)
    unique = _drop_repeats(parsed, result)
    for attempt in range(3):
        stored = IntakeResult()
        try:
            with transaction.atomic():
                _store_batch(unique, actor=actor, result=stored)
            break
        except IntegrityError:
            # Another request stored some of these calls meanwhile: look again.
            if attempt == 2:
                raise
    result.created = stored.created
    result.existing = sorted(result.existing + stored.existing, key=lambda e: e["index"])
    result.errors = sorted(result.errors + stored.errors, key=lambda e: e["index"])
    return result


def _parse_batch(rows: list[Any], result: IntakeResult) -> list[CallInput]:
    now = timezone.now()
    cache: dict[str, str | None] = {}
    parsed: list[CallInput] = []
    for index, raw in enumerate(rows):
        try:
            row = parse_call(raw, now=now, phone_cache=cache)
            if not row.device_call_id:
                raise ValidationError({"device_call_id": ["Give the device's id of the call."]})
        except ValidationError as exc:
            result.errors.append(_row_error(index, raw, exc.message_dict))
            continue
        row.index = index
        parsed.append(row)
    return parsed


def _row_error(index: int, raw: Any, errors: dict[str, list[str]]) -> dict[str, Any]:
    device_call_id = raw.get("device_call_id") if isinstance(raw, Mapping) else None
    return {"index": index, "device_call_id": device_call_id, "errors": errors}


def _drop_repeats(rows: list[CallInput], result: IntakeResult) -> list[CallInput]:
    first: dict[tuple[str, str], int] = {}
    unique = []
    for row in rows:
        if row.key in first:
            result.existing.append(
                {"index": row.index, "device_call_id": row.device_call_id, "of": first[row.key]}
            )
        else:
            first[row.key] = row.index
            unique.append(row)
    return unique


def _store_batch(rows: list[CallInput], *, actor: Any, result: IntakeResult) -> None:
    known = _known_ids(rows)
    for row in rows:
        if row.key in known:
            result.existing.append(
                {"index": row.index, "device_call_id": row.device_call_id, "id": known[row.key]}
            )
    new = [r for r in rows if r.key not in known]
    staff_errors = _check_staff(new, actor)
    for row in new:
        if row.index in staff_errors:
            raw = {"device_call_id": row.device_call_id}
            result.errors.append(_row_error(row.index, raw, {"staff": [staff_errors[row.index]]}))
    new = [r for r in new if r.index not in staff_errors]
    if not new:
        return
    links = link_numbers(r.party_number for r in new)
    calls = [
        _build(
            r, actor=actor, source=CallSource.DEVICE, link=links.get(r.party_number, (None, None))
        )
        for r in new
    ]
    _mark_cold_calls(calls)
    CallLog.objects.bulk_create(calls, batch_size=500)
    _bulk_activities(calls)
    for row, call in zip(new, calls, strict=True):
        result.created.append(
            {"index": row.index, "device_call_id": row.device_call_id, "id": call.pk}
        )
    audit.record(
        actor=actor,
        action="create",
        target=audit.Target(CallLog._meta.label_lower, "", f"Call intake of {len(calls)} calls"),
        changes={"created": len(calls), "ids": [c.pk for c in calls]},
    )


def _known_ids(rows: list[CallInput]) -> dict[tuple[str, str], int]:
    known: dict[tuple[str, str], int] = {}
    by_device: dict[str, list[str]] = {}
    for row in rows:
        by_device.setdefault(row.device_id, []).append(row.device_call_id)
    condition = Q()
    for device, ids in by_device.items():
        condition |= Q(device_id=device, device_call_id__in=ids)
    if not by_device:
        return known
    # ~Q(device_call_id="") repeats the unique index's condition so the planner may use it.
    stored = CallLog.objects.filter(condition & ~Q(device_call_id=""))
    for pk, device, call_id in stored.values_list("pk", "device_id", "device_call_id"):
        known[(device, call_id)] = pk
    return known


def _bulk_activities(calls: list[CallLog]) -> None:
    """One "call" activity per linked call, and last-activity dates moved forward."""
    activities = []
    customers: dict[int, dt.datetime] = {}
    leads: dict[int, dt.datetime] = {}
    for call in calls:
        if call.customer_id is None and call.lead_id is None:
            continue
        subject_type, subject_id = (
            ("customers.customer", call.customer_id)
            if call.customer_id
            else ("leads.lead", call.lead_id)
        )
        activities.append(
            Activity(
                customer_id=call.customer_id,
                subject_type=subject_type,
                subject_id=str(subject_id),
                kind=Kind.CALL,
                body=activity_body(call),
                data=activity_data(call),
                actor_id=call.staff_id,
                created_at=call.started_at,
            )
        )
        for target, pk in ((customers, call.customer_id), (leads, call.lead_id)):
            if pk is not None:
                target[pk] = max(target.get(pk, call.started_at), call.started_at)
    Activity.objects.bulk_create(activities, batch_size=500)
    touch_last_activity(Customer, customers)
    touch_last_activity(Lead, leads)


def touch_last_activity(model: Any, latest: Mapping[int, dt.datetime]) -> None:
    """Last-activity dates forward; after commit for batches touching more than
    ``settings.CALL_INTAKE_DEFER_LAST_ACTIVITY`` rows (``activities.services``)."""
    activity_services.touch_last_activity(
        model, latest, defer_over=settings.CALL_INTAKE_DEFER_LAST_ACTIVITY
    )


# ----------------------------------------------------------------------------- WhatsApp


def log_whatsapp(customer: Customer, *, actor: Any, number: str = "") -> Activity | None:
    """The profile's WhatsApp quick action: note on the timeline that a chat was opened.

    Clicking twice within two minutes logs once (returns None the second time).
    """
    require(actor, Module.ACTIVITIES, Access.WRITE)
    number = number or customer.mobile
    since = timezone.now() - WHATSAPP_DEDUPE
    recent = Activity.objects.filter(
        customer=customer,
        kind=Kind.WHATSAPP,
        actor=actor,
        created_at__gte=since,
        data__quick_action=True,
    )
    with transaction.atomic():
        if recent.exists():
            return None
        activity = log_activity(
            customer,
            actor=actor,
            kind=Kind.WHATSAPP,
            body=f"WhatsApp chat opened with {number}",
            data={"quick_action": True, "number": number},
        )
        audit.record(
            actor=actor, action="create", target=activity, changes={"kind": {"new": "whatsapp"}}
        )
    return activity
