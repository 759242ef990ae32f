"""Every write to KYC documents and the customer's KYC status (design rule 1).

- ``upload_document``: the file is checked from its bytes before anything is kept; a refused
  file leaves nothing behind (no row, no stored bytes). Accepted files go to the default
  storage under a random name, encrypted at rest (``core.stored_files``: a data key per file,
  wrapped with the key ring, kept on the row); the automatic checks run afterwards as a
  background task and read the file through the decrypting stream.
- ``run_checks``: the background task's work: reads the stored bytes, runs
  :func:`clientdesk.kyc.verification.verify` outside any transaction (OCR is slow), then
  replaces the document's check rows and outcome in one short transaction.
- ``decide_document``: a compliance officer approves, rejects or asks for a re-upload, with
  a reason code; four eyes (not the registrar of the customer, not the uploader).
- The customer's ``kyc_status`` follows from the documents (``derive_kyc_status``) and moves
  only along ``KYC_TRANSITIONS``; the customer hears of an approval, a rejection or a request
  for documents through the comms outbox, on commit.
- ``open_document`` / ``preview_page``: every download and preview is audited.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from clientdesk.activities.models import Kind
from clientdesk.activities.services import log_activity
from clientdesk.core import audit, stored_files
from clientdesk.core.envelope import WrappedKey
from clientdesk.core.permissions import Access, edits_only_own, has_access, require
from clientdesk.customers.models import Customer, KycStatus
from clientdesk.tickets.attachments import clean_name
from clientdesk.webhooks.events import emit

from . import ocr, perceptual
from .documents import check_document, refusal
from .models import (
    DECISION_STATUS,
    KYC_TRANSITIONS,
    REQUIRED_KINDS,
    REVIEW_TRANSITIONS,
    Decision,
    Document,
    DocumentCheck,
    DocumentKind,
    KycStatusChange,
    ReasonCode,
    ReviewStatus,
)
from .results import CheckResult
from .verification import Config, Record, Report, verify

MODULE = "documents"
REVIEW_MODULE = "compliance"
MAX_COMMENT = 2000
_REFUSAL_CODES = {
    "file_size": "too_large",
    "file_type": "unsupported_type",
    "image_decode": "corrupt_file",
    "pdf_parse": "corrupt_file",
    "pdf_encryption": "password_protected",
    "resolution": "too_small",
}


# --- settings ------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(getattr(settings, "KYC_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))


def accepted_types() -> tuple[str, ...]:
    """JPEG, PNG and PDF; HEIC only when a HEIC decoder (pillow-heif) is installed."""
    try:
        from pillow_heif import register_heif_opener  # type: ignore[import-not-found]
    except ImportError:
        return ("jpeg", "png", "pdf")
    register_heif_opener()
    return ("jpeg", "png", "pdf", "heic")


def verification_config() -> Config:
    return Config(
        allowed=accepted_types(),
        max_bytes=max_upload_bytes(),
        min_side=int(getattr(settings, "KYC_MIN_IMAGE_SIDE", 600)),
        blur_threshold=float(getattr(settings, "KYC_BLUR_THRESHOLD", 100.0)),
        max_pixels=int(getattr(settings, "KYC_MAX_PIXELS", 50_000_000)),
        max_pages=int(getattr(settings, "KYC_MAX_PDF_PAGES", 50)),
        address_max_age_days=int(getattr(settings, "KYC_ADDRESS_PROOF_MAX_AGE_DAYS", 92)),
        name_threshold=float(getattr(settings, "KYC_NAME_MATCH_THRESHOLD", 85.0)),
        ocr_enabled=bool(getattr(settings, "KYC_OCR", True)),
        ocr_timeout=float(getattr(settings, "KYC_OCR_TIMEOUT", 20.0)),
    )


# --- permissions ---------------------------------------------------------------------------


def can_upload(user: Any, customer: Customer) -> bool:
    """Documents "Read & Write" plus the row rule (own customers only for scope "own")."""
    if not has_access(user, MODULE, Access.WRITE):
        return False
    return not edits_only_own(user) or customer.assigned_to_id == user.pk


def can_review(user: Any) -> bool:
    return has_access(user, REVIEW_MODULE, Access.WRITE)


def four_eyes_problem(user: Any, document: Document, customer: Customer) -> str | None:
    """Why ``user`` may not decide on ``document`` (None when they may)."""
    if user.pk is not None and user.pk == customer.created_by_id:
        return (
            "Four eyes: you registered this customer, so another compliance officer must "
            "decide on their documents."
        )
    if user.pk is not None and user.pk == document.uploaded_by_id:
        return "Four eyes: you uploaded this document, so another compliance officer must decide."
    return None


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


# --- upload --------------------------------------------------------------------------------


def _file_error(message: str, code: str) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code)})


def _read(upload: Any, limit: int) -> bytes:
    if upload is None:
        raise _file_error("Choose a file to upload.", "required")
    label = clean_name(getattr(upload, "name", "") or "")
    too_large = f"“{label}” is larger than the {limit / 1_048_576:.0f} MB limit."
    if (getattr(upload, "size", None) or 0) > limit:
        raise _file_error(too_large, "too_large")
    if hasattr(upload, "seek"):
        upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _file_error(too_large, "too_large")
    return bytes(content)


def _validate_kind(kind: str) -> None:
    if kind not in DocumentKind.values:
        raise ValidationError(
            {"kind": ValidationError("Choose the type of document.", code="invalid_kind")}
        )


def upload_document(customer: Customer, *, actor: Any, upload: Any, kind: str) -> Document:
    """Check the file from its bytes; keep it only if it passes the refusal checks.

    A refused file (wrong or disguised type, empty, too large, corrupt, password-protected,
    decompression bomb, far too small) raises a ``file`` error and leaves nothing behind.
    """
    require(actor, MODULE, Access.WRITE)
    if not can_upload(actor, customer):
        raise PermissionDenied("You may add documents only for customers assigned to you.")
    _validate_kind(kind)
    content = _read(upload, max_upload_bytes())
    name = clean_name(getattr(upload, "name", "") or "")
    config = verification_config()
    results = check_document(
        content, filename=name, allowed=config.allowed, max_bytes=config.max_bytes,
        min_side=config.min_side,
        blur_threshold=config.blur_threshold, max_pixels=config.max_pixels,
        max_pages=config.max_pages,
    )  # fmt: skip
    refused = refusal(results)
    if refused is not None:
        code = "empty" if not content else _REFUSAL_CODES.get(refused.code, "invalid")
        raise _file_error(f"“{name}”: {refused.detail}", code)
    found = next(r for r in results if r.code == "file_type").data
    pages = next((r.data.get("pages") for r in results if r.code == "page_count"), None) or 1
    stored, key = stored_files.save_encrypted(
        f"kyc/{customer.pk}/{secrets.token_hex(16)}{stored_files.SUFFIX}", io.BytesIO(content)
    )
    try:
        return _record_upload(
            customer, actor, kind, stored, name, found["mime"], content, pages, key
        )
    except BaseException:
        default_storage.delete(stored)  # nothing half-written
        raise


def _record_upload(
    customer: Customer,
    actor: Any,
    kind: str,
    stored: str,
    name: str,
    mime: str,
    content: bytes,
    pages: int,
    key: WrappedKey,
) -> Document:
    from .filetype import sha256_hex

    now = timezone.now()
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        document = Document.objects.create(
            customer=customer, kind=kind, file=stored, original_name=name, content_type=mime,
            size=len(content), sha256=sha256_hex(content), pages=pages,
            file_key=key.token, file_key_id=key.key_id, uploaded_by=_user(actor), uploaded_at=now,
        )  # fmt: skip
        audit.record(
            actor=actor,
            action="create",
            target=document,
            changes={
                "customer": customer.client_id,
                "kind": kind,
                "sha256": document.sha256,
                "size": document.size,
            },
        )
        log_activity(
            customer,
            actor=actor,
            kind=Kind.DOCUMENT,
            body=f"{document.get_kind_display()} uploaded: {name}",
            when=now,
            subject=document,
            data={"document": document.pk, "kind": kind},
        )
        refresh_kyc_status(customer, actor=actor, reason="Document uploaded")
        transaction.on_commit(partial(_enqueue_checks, document.pk), robust=True)
    return document


def _enqueue_checks(document_id: int) -> None:
    from .tasks import verify_document

    verify_document.enqueue(document_id)


# --- automatic checks ----------------------------------------------------------------------


def _record_of(customer: Customer) -> Record:
    return Record(
        name=customer.full_name,
        birth_date=customer.date_of_birth,
        country=customer.country or "IN",
        id_type=customer.id_type,
        id_number=customer.id_number or "",
        pan=customer.pan or "",
        aadhaar=customer.aadhaar or "",
        address=", ".join(p for p in (customer.address_line, customer.city) if p),
        postal_code=customer.postal_code or "",
    )


def _read_stored(document: Document) -> bytes:
    """The plaintext, decrypted chunk by chunk (the checks need the bytes; uploads are
    bounded by ``KYC_MAX_UPLOAD_BYTES``, so at most that + 1 bytes are read)."""
    return stored_files.read_stored(document, limit=max_upload_bytes())


def run_checks(document_id: int) -> Document | None:
    """Run the automatic checks of one document and store the results (the task's work).

    Safe to run twice: the results replace the previous ones.
    """
    document = Document.objects.select_related("customer").filter(pk=document_id).first()
    if document is None:
        return None
    customer = document.customer
    same_file = Document.objects.filter(sha256=document.sha256).exclude(pk=document.pk)
    others = sorted(
        set(same_file.exclude(customer=customer).values_list("customer__client_id", flat=True))
    )
    try:
        data = _read_stored(document)
    except stored_files.FileIntegrityError as exc:  # damaged or altered on disk: say so
        return _store_checks(document.pk, Report([CheckResult.failed("stored_file", str(exc))]))
    near, fingerprint = _look_alikes(document, data)
    report = verify(
        data,
        kind=document.kind,
        record=_record_of(customer),
        filename=document.original_name,
        other_customers=others,
        same_customer_copies=same_file.filter(customer=customer).count(),
        near_duplicate=near,
        config=verification_config(),
        today=timezone.localdate(),
    )
    return _store_checks(document.pk, report, fingerprint)


def _page_for_hash(document: Document, data: bytes) -> Any:
    """The image to hash: the file itself, or a PDF's first page drawn at 72 dpi."""
    if not document.is_pdf:
        return data
    try:
        return ocr.render_pdf_page(data, 1, dpi=72, timeout=20.0)
    except ocr.OcrUnavailable as exc:
        raise perceptual.NotHashable(str(exc)) from exc
    except Exception as exc:  # a PDF pdftoppm cannot draw
        raise perceptual.NotHashable(f"the first page could not be drawn ({exc})") from exc


def _look_alikes(
    document: Document, data: bytes
) -> tuple[CheckResult, perceptual.Fingerprint | None]:
    """Hash the page (4 rotations) and find look-alike documents through the indexed hash
    bands (kyc.perceptual); one query, the candidates compared in Python."""
    try:
        prints = perceptual.fingerprints(_page_for_hash(document, data))
    except perceptual.NotHashable as exc:
        return perceptual.near_duplicate_check([], problem=str(exc)), None
    wanted: list[set[int]] = [set(), set(), set(), set()]
    for fp in prints:
        for i, near in enumerate(perceptual.band_values(fp.phash)):
            wanted[i].update(near)
    query = Q()
    for i, band in enumerate(wanted):
        query |= Q(**{f"phash_b{i}__in": sorted(band)})
    candidates = (
        Document.objects.filter(query)
        .exclude(pk=document.pk)
        .exclude(sha256=document.sha256)  # byte-identical: the duplicate check says so
        .values_list("customer_id", "customer__client_id", "phash", "phash_tiles")
    )
    best: dict[str, perceptual.Match] = {}
    for customer_id, client_id, stored, tiles in candidates:
        unsigned = (stored or 0) & ((1 << 64) - 1)
        for fp in prints:
            distance = (fp.phash ^ unsigned).bit_count()
            cells = perceptual.tile_distance(fp.tiles, tiles)
            if distance > perceptual.CANDIDATE_DISTANCE or cells > perceptual.TILE_LIMIT:
                continue
            match = perceptual.Match(
                client_id, customer_id == document.customer_id, distance, cells, fp.rotation
            )
            if client_id not in best or cells < best[client_id].tile_distance:
                best[client_id] = match
    return perceptual.near_duplicate_check(list(best.values())), prints[0]


def _store_checks(
    document_id: int, report: Any, fingerprint: perceptual.Fingerprint | None = None
) -> Document:
    now = timezone.now()
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        before = document.check_outcome
        hashed: list[str] = []
        if fingerprint is not None:
            document.phash, document.phash_tiles = fingerprint.signed, fingerprint.tiles
            for i, band in enumerate(perceptual.bands(fingerprint.phash)):
                setattr(document, f"phash_b{i}", band)
            hashed = ["phash", "phash_tiles", "phash_b0", "phash_b1", "phash_b2", "phash_b3"]
        DocumentCheck.objects.filter(document=document).delete()
        DocumentCheck.objects.bulk_create(
            DocumentCheck(
                document=document, position=i, code=r.code, status=str(r.status),
                detail=r.detail, data=r.data,
            )
            for i, r in enumerate(report.results)
        )  # fmt: skip
        document.check_outcome = str(report.outcome)
        document.checks_completed_at = now
        document.save(update_fields=["check_outcome", "checks_completed_at", *hashed])
        problems = [r.code for r in report.results if str(r.status) != "pass"]
        audit.record(
            actor=None,
            action="update",
            target=document,
            changes={
                "check_outcome": {"old": before, "new": document.check_outcome},
                "problems": problems,
            },
        )
        log_activity(
            document.customer,
            actor=None,
            kind=Kind.DOCUMENT,
            body=f"Automatic checks of {document}: {document.get_check_outcome_display()}"
            + (f" ({len(problems)} to look at)." if problems else "."),
            when=now,
            subject=document,
            data={"document": document.pk, "outcome": document.check_outcome},
        )
        _request_risk_recompute(document.customer, "KYC document checks")
    return document


def _request_risk_recompute(customer: Customer, reason: str) -> None:
    try:
        from clientdesk.screening.risk import request_recompute
    except ImportError:  # the screening module is not installed
        return
    request_recompute(customer, reason=reason)


# --- decisions -----------------------------------------------------------------------------


def _clean_decision(decision: str, reason_code: str, comment: str) -> tuple[str, str]:
    errors: dict[str, ValidationError] = {}
    comment = (comment or "").strip()
    if decision not in Decision.values:
        errors["decision"] = ValidationError(
            "Choose approve, reject or ask for re-upload.", code="invalid"
        )
    elif decision != Decision.APPROVE and reason_code not in ReasonCode.values:
        errors["reason_code"] = ValidationError(
            "Choose a reason: blurry, expired, mismatch, suspected forgery or other.",
            code="required",
        )
    if decision != Decision.APPROVE and reason_code == ReasonCode.OTHER and not comment:
        errors["comment"] = ValidationError("Say what is wrong with the document.", code="required")
    if len(comment) > MAX_COMMENT:
        errors["comment"] = ValidationError(
            f"Keep the comment under {MAX_COMMENT:,} characters.", code="too_long"
        )
    if errors:
        raise ValidationError(errors)
    return ("" if decision == Decision.APPROVE else reason_code), comment


def decide_document(
    document: Document, *, actor: Any, decision: str, reason_code: str = "", comment: str = ""
) -> Document:
    """Approve, reject or ask for a re-upload of one document (four eyes, audited)."""
    require(actor, REVIEW_MODULE, Access.WRITE)
    reason_code, comment = _clean_decision(decision, reason_code, comment)
    now = timezone.now()
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=document.customer_id)
        document = Document.objects.select_for_update().get(pk=document.pk)
        problem = four_eyes_problem(actor, document, customer)
        if problem:
            raise PermissionDenied(problem)
        target = DECISION_STATUS[Decision(decision)]
        _check_review_transition(document, target)
        if target == ReviewStatus.APPROVED and document.check_outcome == "pending":
            message = "The automatic checks have not finished yet; approve when they have."
            raise ValidationError({"decision": ValidationError(message, code="checks_pending")})
        before = document.review_status
        document.review_status = target
        document.reviewed_by, document.reviewed_at = _user(actor), now
        document.reason_code, document.review_comment = reason_code, comment
        document.save(
            update_fields=[
                "review_status",
                "reviewed_by",
                "reviewed_at",
                "reason_code",
                "review_comment",
            ]
        )
        _record_decision(document, customer, actor, before, now)
        refresh_kyc_status(customer, actor=actor, reason=_decision_text(document), decided=document)
        _request_risk_recompute(customer, "KYC document decision")
        emit("kyc.decided", document, customer_kyc_status=customer.kyc_status)
    return document


def _check_review_transition(document: Document, target: str) -> None:
    if target not in REVIEW_TRANSITIONS[document.review_status]:
        message = (
            f"This document is already {document.get_review_status_display().lower()}; "
            "a new upload starts a new review."
        )
        raise ValidationError({"decision": ValidationError(message, code="invalid_transition")})


def _decision_text(document: Document) -> str:
    text = f"{document.get_kind_display()} {document.get_review_status_display().lower()}"
    if document.reason_code:
        text += f": {document.get_reason_code_display()}"
    if document.review_comment:
        text += f" ({document.review_comment})"
    return text


def _record_decision(
    document: Document, customer: Customer, actor: Any, before: str, now: Any
) -> None:
    audit.record(
        actor=actor,
        action="status_change",
        target=document,
        changes={
            "review_status": {"old": before, "new": document.review_status},
            "reason_code": document.reason_code,
            "comment": document.review_comment,
            "customer": customer.client_id,
        },
    )
    log_activity(
        customer,
        actor=actor,
        kind=Kind.DOCUMENT,
        body=_decision_text(document) + ".",
        when=now,
        subject=document,
        data={
            "document": document.pk,
            "review_status": document.review_status,
            "reason_code": document.reason_code,
        },
    )


# --- the customer's KYC status -------------------------------------------------------------


def _open_refusals(docs: list[Document]) -> list[Document]:
    """Refused documents not yet followed by a new upload of the same kind."""
    refused = [d for d in docs if d.review_status in (ReviewStatus.REJECTED, "resubmission")]
    return [
        d
        for d in refused
        if not any(o.kind == d.kind and (o.uploaded_at, o.pk) > (d.uploaded_at, d.pk) for o in docs)
    ]


def derive_kyc_status(docs: Iterable[Document]) -> str:
    """What the documents say the customer's KYC status is.

    No documents: not started. An open refusal: rejected (or re-submission requested).
    ID proof and proof of address approved and nothing awaiting review: approved. Both
    present (awaiting review or approved): in review. Otherwise: documents pending.
    """
    docs = list(docs)
    if not docs:
        return KycStatus.NOT_STARTED
    refusals = _open_refusals(docs)
    if refusals:
        rejected = any(d.review_status == ReviewStatus.REJECTED for d in refusals)
        return KycStatus.REJECTED if rejected else KycStatus.RESUBMISSION
    pending = any(d.review_status == ReviewStatus.PENDING for d in docs)
    approved = {d.kind for d in docs if d.review_status == ReviewStatus.APPROVED}
    covered = approved | {d.kind for d in docs if d.review_status == ReviewStatus.PENDING}
    if all(k in approved for k in REQUIRED_KINDS) and not pending:
        return KycStatus.APPROVED
    if all(k in covered for k in REQUIRED_KINDS):
        return KycStatus.IN_REVIEW
    return KycStatus.DOCUMENTS_PENDING


def refresh_kyc_status(
    customer: Customer, *, actor: Any, reason: str, decided: Document | None = None
) -> Customer:
    """Move the (locked) customer's KYC status to what the documents say, if it differs."""
    docs = list(
        Document.objects.filter(customer=customer).only(
            "id", "kind", "review_status", "uploaded_at", "reason_code", "review_comment"
        )
    )
    target = derive_kyc_status(docs)
    if target == customer.kyc_status:
        return customer
    return _set_kyc_status(customer, actor=actor, to_status=target, reason=reason, docs=docs)


def _set_kyc_status(
    customer: Customer, *, actor: Any, to_status: str, reason: str, docs: list[Document]
) -> Customer:
    current = customer.kyc_status
    if to_status not in KYC_TRANSITIONS[current]:
        message = f"KYC cannot go from {KycStatus(current).label} to {KycStatus(to_status).label}."
        raise ValidationError({"kyc_status": ValidationError(message, code="invalid_transition")})
    now = timezone.now()
    customer.kyc_status = to_status
    customer.save(update_fields=["kyc_status", "updated_at"])
    KycStatusChange.objects.create(
        customer=customer, from_status=current, to_status=to_status, reason=reason,
        actor=_user(actor), created_at=now,
    )  # fmt: skip
    audit.record(
        actor=actor,
        action="status_change",
        target=customer,
        changes={"kyc_status": {"old": current, "new": to_status}, "reason": reason},
    )
    log_activity(
        customer,
        actor=actor,
        kind=Kind.DOCUMENT,
        body=f"KYC status: {KycStatus(current).label} → {KycStatus(to_status).label}. {reason}",
        when=now,
        data={"from": current, "to": to_status},
    )
    if to_status in (KycStatus.APPROVED, KycStatus.REJECTED, KycStatus.RESUBMISSION):
        context = _message_context(to_status, docs)
        transaction.on_commit(
            partial(_tell_customer, customer, actor, to_status, context), robust=True
        )
        transaction.on_commit(partial(_tell_staff, customer, to_status), robust=True)
    return customer


_EVENTS = {
    KycStatus.APPROVED: "kyc_approved",
    KycStatus.REJECTED: "kyc_rejected",
    KycStatus.RESUBMISSION: "kyc_resubmission",
}


def _message_context(to_status: str, docs: list[Document]) -> dict[str, str]:
    """Template variables: the refused documents and the reasons, in words for the customer."""
    refused = _open_refusals(docs)
    if to_status == KycStatus.APPROVED or not refused:
        return {}
    reasons = []
    for d in refused:
        text = f"{d.get_kind_display()}: {d.get_reason_code_display() or 'not accepted'}"
        reasons.append(text + (f" ({d.review_comment})" if d.review_comment else ""))
    documents = ", ".join(dict.fromkeys(str(d.get_kind_display()) for d in refused))
    return {"reason": "; ".join(reasons) + ".", "documents": documents}


def _tell_customer(customer: Customer, actor: Any, to_status: str, context: dict) -> None:
    """The outcome to the customer through the comms outbox (opt-outs respected)."""
    from clientdesk.comms.services import queue_customer_message

    queue_customer_message(
        customer, actor=actor, event=_EVENTS[KycStatus(to_status)], context=context
    )


def _tell_staff(customer: Customer, to_status: str) -> None:
    """The assigned user hears of the KYC outcome (one notification per change)."""
    from clientdesk.notifications.services import notify

    if customer.assigned_to_id is None:
        return
    notify(
        customer.assigned_to,
        kind="kyc",
        title=f"KYC {KycStatus(to_status).label.lower()}: {customer.full_name}",
        url=reverse("customers:tab", args=[customer.pk, "documents"]),
        key=f"kyc:{customer.pk}:{to_status}:{timezone.now():%Y%m%d%H%M%S%f}",
    )


# --- activation and risk hooks -------------------------------------------------------------


def activation_check(customer: Customer) -> str | None:
    """Registered in ``customers.services.ACTIVATION_CHECKS``: Pending -> Active needs an
    approved KYC with an approved ID proof and proof of address."""
    if not getattr(settings, "KYC_REQUIRED_FOR_ACTIVATION", True):
        return None
    approved = set(
        Document.objects.filter(
            customer=customer, review_status=ReviewStatus.APPROVED, kind__in=REQUIRED_KINDS
        ).values_list("kind", flat=True)
    )
    if customer.kyc_status == KycStatus.APPROVED and approved >= set(REQUIRED_KINDS):
        return None
    return (
        "KYC must be approved before activation: an approved ID proof and proof of address "
        f"are needed (KYC is {KycStatus(customer.kyc_status).label.lower()})."
    )


def failed_checks_factor(customer: Any) -> tuple[int, str]:
    """Risk factor "failed KYC checks": 10 points per document whose automatic checks
    failed (at most 30), 40 for a document rejected as a suspected forgery."""
    counts = Document.objects.filter(customer=customer).aggregate(
        failed=Count("pk", filter=Q(check_outcome="failed")),
        forged=Count("pk", filter=Q(reason_code=ReasonCode.SUSPECTED_FORGERY)),
    )
    failed, forged = counts["failed"], counts["forged"]
    points = min(failed * 10, 30) + (40 if forged else 0)
    parts = []
    if failed:
        parts.append(f"{failed} document(s) failed the automatic checks")
    if forged:
        parts.append(f"{forged} rejected as suspected forgery")
    return points, "; ".join(parts) or "No failed KYC checks."


# --- reading the bytes (audited) -----------------------------------------------------------


def _require_read(actor: Any) -> None:
    if not (has_access(actor, MODULE) or has_access(actor, REVIEW_MODULE)):
        require(actor, MODULE, Access.READ)


def open_document(document: Document, *, actor: Any, purpose: str = "download") -> Any:
    """The stored file, after the audit record of who took it (download or preview)."""
    _require_read(actor)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="export",
            target=document,
            changes={purpose: document.original_name, "customer": document.customer_id},
        )
    return stored_files.open_stored(document)


def preview_page(document: Document, *, actor: Any, page: int) -> bytes:
    """Page ``page`` of a PDF drawn as PNG (server-side, pdftoppm), audited as a preview."""
    _require_read(actor)
    if not 1 <= page <= max(document.pages, 1):
        raise ValidationError({"page": f"Choose a page between 1 and {document.pages}."})
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="export",
            target=document,
            changes={"preview": document.original_name, "page": page},
        )
    data = _read_stored(document)
    try:
        return ocr.render_pdf_page(data, page, dpi=110)
    except ocr.OcrUnavailable as exc:
        raise ValidationError({"page": f"The page cannot be drawn ({exc})."}) from exc
