"""Every write to data-protection records (design rule 1).

Each function checks Data protection WRITE, runs in one transaction with a row lock where it
changes a row, follows the transition table and writes its audit record in the same
transaction. Requests and consents are about one person; the audit payload names the
request's number and kind, never the requester's identifiers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
import uuid
from collections.abc import Mapping
from functools import partial
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from clientdesk.core import audit
from clientdesk.core.counters import next_values
from clientdesk.core.permissions import Access, Module, require
from clientdesk.core.stored_files import read_stored, save_encrypted

from .holds import erasure_holds
from .models import (
    BREACH_TRANSITIONS,
    FINAL_STATUSES,
    NEEDS_RESPONSE,
    TRANSITIONS,
    AccessExport,
    Breach,
    BreachStatus,
    ConsentRecord,
    ConsentSource,
    DataRequest,
    ExportStatus,
    IdentityMethod,
    Kind,
    Purpose,
    Regime,
    RequestStatus,
    due_days,
)

MODULE = Module.PRIVACY
MAX_TEXT = 10_000


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _text(data: Mapping[str, Any], name: str, limit: int = MAX_TEXT) -> str:
    return str(data.get(name) or "").strip()[:limit]


# --- requests ------------------------------------------------------------------------------


def create_request(*, actor: Any, data: Mapping[str, Any]) -> DataRequest:
    """Register a request. ``data``: kind, regime, customer or lead, requester_name, details,
    received_at (default now). The due date follows from the regime's statutory days."""
    require(actor, MODULE, Access.WRITE)
    errors: dict[str, str] = {}
    kind, regime = data.get("kind") or "", data.get("regime") or ""
    customer, lead = data.get("customer"), data.get("lead")
    requester = _text(data, "requester_name", 200)
    received = data.get("received_at") or timezone.now()
    now = timezone.now()
    if kind not in Kind.values:
        errors["kind"] = "Choose the kind of request."
    if regime not in Regime.values:
        errors["regime"] = "Choose the law the request is made under."
    if (customer is None) == (lead is None):
        errors["customer"] = "Choose the customer or the lead the request is about."
    if not requester:
        errors["requester_name"] = "Name who made the request."
    if received > now + dt.timedelta(minutes=5):
        errors["received_at"] = "The request cannot be received in the future."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request = DataRequest.objects.create(
            number=f"DPR-{next_values('privacy_request')[0]:06d}",
            kind=kind,
            regime=regime,
            customer=customer,
            lead=lead,
            requester_name=requester,
            details=_text(data, "details"),
            received_at=received,
            due_at=received + dt.timedelta(days=due_days(regime)),
            created_by=_user(actor),
            created_at=now,
        )
        audit.record(
            actor=actor,
            action="create",
            target=request,
            changes={
                "kind": {"old": None, "new": kind},
                "regime": {"old": None, "new": regime},
                "person": _person_ref(request),
                "due_at": request.due_at.isoformat(),
            },
        )
    return request


def _person_ref(request: DataRequest) -> str:
    if request.customer_id:
        return f"customers.customer:{request.customer_id}"
    return f"leads.lead:{request.lead_id}"


def _lock(request: DataRequest) -> DataRequest:
    return (
        DataRequest.objects.select_for_update(of=("self",))
        .select_related("customer", "lead")
        .get(pk=request.pk)
    )


def verify_identity(
    request: DataRequest, *, actor: Any, method: str, note: str = ""
) -> DataRequest:
    """Record how the requester proved who they are; the request becomes workable."""
    require(actor, MODULE, Access.WRITE)
    if method not in IdentityMethod.values:
        raise ValidationError({"method": "Choose how the identity was verified."})
    note = (note or "").strip()[:500]
    with transaction.atomic():
        request = _lock(request)
        _check_transition(request, RequestStatus.VERIFIED)
        from_status = request.status
        request.status = RequestStatus.VERIFIED
        request.identity_method, request.identity_note = method, note
        request.identity_verified_at, request.identity_verified_by = timezone.now(), _user(actor)
        request.save(
            update_fields=[
                "status",
                "identity_method",
                "identity_note",
                "identity_verified_at",
                "identity_verified_by",
                "updated_at",
            ]
        )
        audit.record(
            actor=actor,
            action="verify_identity",
            target=request,
            changes={
                "status": {"old": from_status, "new": request.status},
                "method": method,
                "note": note,
            },
        )
    return request


def _check_transition(request: DataRequest, to_status: str) -> None:
    if to_status == request.status:
        message = f"The request is already {request.get_status_display()}."
        raise ValidationError({"status": ValidationError(message, code="invalid_transition")})
    if to_status not in TRANSITIONS[request.status]:
        message = (
            f"A {RequestStatus(request.status).label.lower()} request cannot move to "
            f"{RequestStatus(to_status).label}."
        )
        if request.status == RequestStatus.RECEIVED:
            message += " Verify the requester's identity first."
        raise ValidationError({"status": ValidationError(message, code="invalid_transition")})


def change_status(
    request: DataRequest,
    *,
    actor: Any,
    to_status: str,
    response: str = "",
    evidence: str = "",
) -> DataRequest:
    """Move a request along the transition table. Completing or refusing answers the
    requester: the response is required. An erasure cannot be completed while a legal hold
    applies (``holds.erasure_holds``): refuse it with the reason instead."""
    require(actor, MODULE, Access.WRITE)
    response, evidence = (response or "").strip()[:MAX_TEXT], (evidence or "").strip()[:MAX_TEXT]
    if to_status not in RequestStatus.values or to_status == RequestStatus.VERIFIED:
        raise ValidationError({"status": f"Unknown status “{to_status}”."})
    if to_status in NEEDS_RESPONSE and not response:
        raise ValidationError({"response": "Write the response given to the requester."})
    with transaction.atomic():
        request = _lock(request)
        _check_transition(request, to_status)
        if to_status == RequestStatus.COMPLETED and request.kind == Kind.ERASURE:
            _refuse_if_held(request)
        from_status = request.status
        request.status = to_status
        fields = ["status", "updated_at"]
        if response:
            request.response, fields = response, [*fields, "response"]
        if evidence:
            request.evidence, fields = evidence, [*fields, "evidence"]
        if to_status in FINAL_STATUSES:
            request.closed_at, fields = timezone.now(), [*fields, "closed_at"]
        request.save(update_fields=fields)
        audit.record(
            actor=actor,
            action="status_change",
            target=request,
            changes={
                "status": {"old": from_status, "new": to_status},
                "response": response,
                "evidence": evidence,
            },
        )
    return request


def _refuse_if_held(request: DataRequest) -> None:
    if request.customer is None:
        return
    holds = erasure_holds(request.customer)
    if holds:
        reasons = " ".join(f"{h.reason} ({h.law})" for h in holds)
        raise ValidationError(
            {"status": ValidationError(f"Erasure is not allowed: {reasons}", code="legal_hold")}
        )


# --- consent -------------------------------------------------------------------------------


def record_consent(
    customer: Any,
    *,
    actor: Any,
    purpose: str,
    granted: bool,
    notice_version: str,
    source: str,
    partner: str = "",
    note: str = "",
) -> ConsentRecord:
    """Record a consent given or withdrawn. Appended, never changed: the latest record per
    purpose (and partner) is the one in force, from this moment."""
    require(actor, MODULE, Access.WRITE)
    partner, notice_version = (partner or "").strip()[:100], (notice_version or "").strip()[:40]
    errors: dict[str, str] = {}
    if purpose not in Purpose.values:
        errors["purpose"] = "Choose the purpose."
    if source not in ConsentSource.values:
        errors["source"] = "Choose where the consent came from."
    if not notice_version:
        errors["notice_version"] = "Name the version of the notice the person saw."
    if purpose == Purpose.DATA_SHARING and not partner:
        errors["partner"] = "Name the partner the data is shared with."
    if purpose != Purpose.DATA_SHARING and partner:
        errors["partner"] = "Only data sharing names a partner."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        consent = ConsentRecord.objects.create(
            customer=customer,
            purpose=purpose,
            partner=partner,
            granted=bool(granted),
            notice_version=notice_version,
            source=source,
            note=(note or "").strip()[:500],
            recorded_by=_user(actor),
            recorded_at=timezone.now(),
        )
        audit.record(
            actor=actor,
            action="consent_given" if granted else "consent_withdrawn",
            target=consent,
            changes={
                "customer": str(customer.pk),
                "purpose": purpose,
                "partner": partner,
                "notice_version": notice_version,
                "source": source,
            },
        )
    return consent


# --- breaches ------------------------------------------------------------------------------


def affected_customers(customer_filter: str) -> Any:
    """The customers the breach's filter selects (the customer list's FilterSet)."""
    from clientdesk.customers.filtersets import CustomerFilterSet
    from clientdesk.customers.models import Customer

    params = QueryDict(customer_filter or "")
    filterset = CustomerFilterSet(params, queryset=Customer.objects.all())
    if not filterset.is_valid():
        raise ValidationError(
            {"customer_filter": "; ".join(filterset.errors.as_text().split("\n"))}
        )
    return filterset.qs


def record_breach(*, actor: Any, data: Mapping[str, Any]) -> Breach:
    """Register a personal-data breach; the affected customers are counted from the filter."""
    require(actor, MODULE, Access.WRITE)
    errors: dict[str, str] = {}
    title, description = _text(data, "title", 200), _text(data, "description")
    detected_by, customer_filter = (
        _text(data, "detected_by", 200),
        _text(data, "customer_filter", 1000),
    )
    detected_at = data.get("detected_at")
    customer_filter = customer_filter.lstrip("?")
    if not title:
        errors["title"] = "Say in one line what happened."
    if not description:
        errors["description"] = "Describe the breach: what data, how, what was done."
    if not detected_by:
        errors["detected_by"] = "Name who detected it."
    if detected_at is None:
        errors["detected_at"] = "When was it detected?"
    elif detected_at > timezone.now() + dt.timedelta(minutes=5):
        errors["detected_at"] = "It cannot be detected in the future."
    if "q" in parse_qs(customer_filter):
        errors["customer_filter"] = "Use the list's filters, not a free-text search."
    if errors or detected_at is None:
        raise ValidationError(errors)
    count = affected_customers(customer_filter).count() if customer_filter else 0
    with transaction.atomic():
        breach = Breach.objects.create(
            number=f"BR-{next_values('privacy_breach')[0]:05d}",
            title=title,
            description=description,
            detected_at=detected_at,
            detected_by=detected_by,
            customer_filter=customer_filter,
            affected_count=count,
            recorded_by=_user(actor),
            created_at=timezone.now(),
        )
        audit.record(
            actor=actor,
            action="create",
            target=breach,
            changes={"detected_at": detected_at.isoformat(), "affected_count": count},
        )
    return breach


def change_breach_status(breach: Breach, *, actor: Any, to_status: str) -> Breach:
    """Move a breach on; Notified stamps when the authority and the Board were told."""
    require(actor, MODULE, Access.WRITE)
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(pk=breach.pk)
        if to_status not in BREACH_TRANSITIONS.get(breach.status, frozenset()):
            label = BreachStatus(breach.status).label.lower()
            raise ValidationError({"status": f"A {label} breach cannot move to “{to_status}”."})
        from_status, now = breach.status, timezone.now()
        breach.status = to_status
        fields = ["status", "updated_at"]
        if to_status == BreachStatus.NOTIFIED:
            breach.authority_notified_at = breach.board_notified_at = now
            fields += ["authority_notified_at", "board_notified_at"]
        breach.save(update_fields=fields)
        audit.record(
            actor=actor,
            action="status_change",
            target=breach,
            changes={"status": {"old": from_status, "new": to_status}},
        )
    return breach


# --- access exports ------------------------------------------------------------------------


def request_export(request: DataRequest, *, actor: Any) -> tuple[AccessExport, str]:
    """Start building the access export of a verified access request about a customer.
    Returns the export and the download token, shown once (only its hash is kept)."""
    require(actor, MODULE, Access.WRITE)
    if request.kind != Kind.ACCESS or request.customer_id is None:
        raise ValidationError("Only an access request about a customer has an export.")
    if request.status not in (RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS):
        raise ValidationError("Verify the requester's identity first (and not after closing).")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        export = AccessExport.objects.create(
            request=request,
            token_hash=_token_hash(token),
            expires_at=now + dt.timedelta(hours=settings.PRIVACY_EXPORT_HOURS),
            created_by=_user(actor),
            created_at=now,
        )
        audit.record(actor=actor, action="export_requested", target=request, changes={})
        transaction.on_commit(partial(_enqueue_export, export.pk), robust=True)
    return export, token


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _enqueue_export(export_id: int) -> None:
    from .tasks import build_access_export

    build_access_export.enqueue(export_id)


def build_export(export_id: int) -> str:
    """Write the ZIP (encrypted at rest) and mark the export ready; a failure is recorded."""
    from .export import build_zip

    export = AccessExport.objects.select_related("request__customer").get(pk=export_id)
    if export.status != ExportStatus.PENDING:
        return export.status
    try:
        content = build_zip(export.request.customer, request_number=export.request.number)
        name, wrapped = save_encrypted(
            f"privacy-exports/{uuid.uuid4().hex}.zip", io.BytesIO(content)
        )
    except Exception as exc:  # recorded on the row for the DPO to see, then re-raised
        AccessExport.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED, error=str(exc)[:500]
        )
        raise
    AccessExport.objects.filter(pk=export_id).update(
        status=ExportStatus.READY,
        file=name,
        file_key=wrapped.token,
        file_key_id=wrapped.key_id,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    return ExportStatus.READY


def take_export(token: str, *, actor: Any) -> tuple[AccessExport, bytes]:
    """The ZIP for a download link: once, before it expires; the stored file is deleted."""
    require(actor, MODULE, Access.WRITE)
    with transaction.atomic():
        export = (
            AccessExport.objects.select_for_update()
            .select_related("request")
            .filter(token_hash=_token_hash(token or ""))
            .first()
        )
        if export is None or export.status != ExportStatus.READY or export.is_expired():
            raise ValidationError("This download link is not valid: used, expired or not ready.")
        content = read_stored(export)
        default_storage.delete(export.file)
        export.status, export.downloaded_at = ExportStatus.DOWNLOADED, timezone.now()
        export.save(update_fields=["status", "downloaded_at"])
        audit.record(
            actor=actor,
            action="export_downloaded",
            target=export.request,
            changes={"size": export.size},
        )
    return export, content
