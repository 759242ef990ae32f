"""The only place that writes cases and regulatory reports.

Every function takes a keyword-only ``actor``, runs in one transaction with a row lock on
what it changes, follows the transition tables in ``models`` and writes the audit record in
the same transaction; notifications go out on commit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from clientdesk.approvals import gate as approvals_gate
from clientdesk.approvals.actions import CASE_REOPEN
from clientdesk.core import audit, counters
from clientdesk.core.permissions import Access, Module, has_access, require

from . import calendar
from .models import (
    CASE_TRANSITIONS,
    CTR_TRANSITIONS,
    DUE_DAYS,
    OPEN_CASE_STATUSES,
    STR_TRANSITIONS,
    Case,
    CaseEvent,
    CaseOutcome,
    CasePriority,
    CaseStatus,
    CashTransactionReport,
    CtrStatus,
    StrStatus,
    SuspiciousTransactionReport,
)

MAX_TEXT = 10_000
MENTION_RE = re.compile(r"(?<![\w.])@([\w.+-]{2,150})")
SEVERITY_TO_PRIORITY = {"low": "low", "medium": "medium", "high": "high", "critical": "critical"}


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _error(field: str, message: str, code: str = "invalid") -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _text(value: str, field: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise _error(field, what, "required")
    if len(value) > MAX_TEXT:
        raise _error(field, f"Keep it under {MAX_TEXT:,} characters.", "too_long")
    return value


def _event(case: Case, actor: Any, kind: str, body: str = "", **extra: Any) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, body=body, author=_user(actor), created_at=timezone.now(), **extra
    )


def _lock(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


# ----------------------------------------------------------------------------- opening


def due_for(priority: str, start: dt.datetime) -> dt.datetime:
    return start + dt.timedelta(days=DUE_DAYS.get(priority, 14))


def _open_case_for(customer_id: int) -> Case | None:
    """The customer's open case, if any: new evidence of one customer merges into it."""
    return (
        Case.objects.select_for_update()
        .filter(customer_id=customer_id, status__in=OPEN_CASE_STATUSES)
        .order_by("created_at", "id")
        .first()
    )


def open_case(
    customer: Any,
    *,
    actor: Any,
    title: str = "",
    priority: str = CasePriority.MEDIUM,
    alerts: Iterable[Any] = (),
    hits: Iterable[Any] = (),
    check_access: bool = True,
) -> Case:
    """Open a case for ``customer`` or, when one is open, merge the evidence into it."""
    if check_access:
        require(actor, Module.CASES, Access.WRITE)
    if priority not in CasePriority.values:
        raise _error("priority", "Choose a priority.")
    alerts, hits = list(alerts), list(hits)
    with transaction.atomic():
        case = _open_case_for(customer.pk)
        now = timezone.now()
        if case is None:
            (n,) = counters.next_values("case")
            case = Case.objects.create(
                number=f"CASE-{n:06d}",
                customer=customer,
                title=(title or f"Investigation: {customer.full_name}")[:200],
                priority=priority,
                due_at=due_for(priority, now),
                opened_by=_user(actor),
                created_at=now,
            )
            audit.record(actor=actor, action="create", target=case, changes={"priority": priority})
            _event(case, actor, CaseEvent.Kind.STATUS, "Case opened", to_status=CaseStatus.OPEN)
        elif _rank(priority) > _rank(case.priority):
            case.priority = priority
            case.save(update_fields=["priority", "updated_at"])
        _link(case, actor, alerts, hits)
    return case


def _rank(priority: str) -> int:
    return list(CasePriority.values).index(priority)


def _link(case: Case, actor: Any, alerts: list[Any], hits: list[Any]) -> None:
    new_alerts = [a for a in alerts if not case.alerts.filter(pk=a.pk).exists()]
    new_hits = [h for h in hits if not case.hits.filter(pk=h.pk).exists()]
    if new_alerts:
        case.alerts.add(*new_alerts)
        tx_ids = [t for a in new_alerts for t in a.transactions.values_list("pk", flat=True)]
        case.transactions.add(*tx_ids)
    if new_hits:
        case.hits.add(*new_hits)
    labels = [f"alert #{a.pk}" for a in new_alerts] + [f"screening hit #{h.pk}" for h in new_hits]
    if labels:
        _event(case, actor, CaseEvent.Kind.LINK, "Linked " + ", ".join(labels))
        audit.record(
            actor=actor,
            action="link",
            target=case,
            changes={"alerts": [a.pk for a in new_alerts], "hits": [h.pk for h in new_hits]},
        )


def open_case_for_alert(alert: Any, *, actor: Any) -> Case:
    """Open (or merge into the customer's open case) from a monitoring alert."""
    priority = SEVERITY_TO_PRIORITY.get(alert.severity, CasePriority.MEDIUM)
    return open_case(
        alert.customer, actor=actor, title=alert.title, priority=priority, alerts=[alert]
    )


def open_case_for_hit(hit: Any, *, actor: Any) -> Case:
    """Open (or merge into) a case for a screening hit. Called by the screening flow when a
    sanctions hit is confirmed: that decision is the authority (Compliance write), so the
    Cases access of the deciding officer is not asked again."""
    return open_case(
        hit.customer,
        actor=actor,
        title=f"Screening match: {hit.entry_name}"[:200],
        priority=CasePriority.CRITICAL,
        hits=[hit],
        check_access=False,
    )


# ----------------------------------------------------------------------------- working it


def transition_case(case: Case, to: str, *, actor: Any, note: str = "") -> Case:
    """Move an open case along ``CASE_TRANSITIONS`` (closing has its own service)."""
    require(actor, Module.CASES, Access.WRITE)
    if to == CaseStatus.CLOSED:
        raise _error("status", "Close a case with its outcome and conclusion.", "use_close")
    with transaction.atomic():
        case = _lock(case)
        old = case.status
        if to not in CASE_TRANSITIONS.get(old, ()):
            label = CaseStatus(to).label if to in CaseStatus.values else to
            raise _error(
                "status",
                f"A {case.get_status_display().lower()} case cannot move to {label}.",
                "invalid_transition",
            )
        case.status = to
        case.save(update_fields=["status", "updated_at"])
        _event(case, actor, CaseEvent.Kind.STATUS, note.strip(), from_status=old, to_status=to)
        audit.record(
            actor=actor,
            action="status_change",
            target=case,
            changes={"status": {"old": old, "new": to}},
        )
    return case


def assign_case(case: Case, assignee: Any, *, actor: Any) -> Case:
    require(actor, Module.CASES, Access.WRITE)
    if assignee is not None and not (
        getattr(assignee, "is_active", False) and has_access(assignee, Module.CASES, Access.WRITE)
    ):
        raise _error("assigned_to", "Choose an officer who may work on cases.")
    with transaction.atomic():
        case = _lock(case)
        old = case.assigned_to_id
        if old == getattr(assignee, "pk", None):
            return case
        case.assigned_to = assignee
        case.save(update_fields=["assigned_to", "updated_at"])
        name = assignee.display_name if assignee else "nobody"
        _event(case, actor, CaseEvent.Kind.ASSIGNMENT, f"Assigned to {name}")
        audit.record(
            actor=actor,
            action="assign",
            target=case,
            changes={"assigned_to": {"old": old, "new": getattr(assignee, "pk", None)}},
        )
        if assignee is not None and assignee != actor:
            _notify_on_commit([assignee], case, f"{case.number} was assigned to you")
    return case


def mentioned_users(body: str) -> list[Any]:
    """Active users named as ``@username`` who may read cases (others are not told)."""
    names = set(MENTION_RE.findall(body))
    if not names:
        return []
    users = get_user_model().objects.filter(username__in=names, is_active=True)
    return [u for u in users if has_access(u, Module.CASES, Access.READ)]


def add_note(case: Case, *, actor: Any, body: str) -> CaseEvent:
    """A note on the case's thread; ``@username`` mentions notify those officers."""
    require(actor, Module.CASES, Access.WRITE)
    body = _text(body, "body", "Write the note.")
    with transaction.atomic():
        case = _lock(case)
        event = _event(case, actor, CaseEvent.Kind.NOTE, body)
        case.save(update_fields=["updated_at"])
        audit.record(actor=actor, action="note", target=case, changes={"note": body})
        mentioned = [u for u in mentioned_users(body) if u.pk != getattr(actor, "pk", None)]
        _notify_on_commit(mentioned, case, f"You were mentioned on {case.number}")
    return event


def _notify_on_commit(users: list[Any], case: Case, title: str) -> None:
    from clientdesk.notifications.services import notify

    url = case_url(case)

    def send() -> None:
        for user in users:
            notify(user, kind="case", title=title, url=url)

    if users:
        transaction.on_commit(send)


# ----------------------------------------------------------------------------- closing


def close_case(
    case: Case, *, actor: Any, outcome: str, conclusion: str, report: Any = None
) -> Case:
    """Close with an outcome and conclusion; "reported" needs the STR it produced.

    A high-severity case is only *requested* closed here: a second officer confirms it
    with ``confirm_close`` (four eyes)."""
    require(actor, Module.CASES, Access.WRITE)
    if outcome not in CaseOutcome.values:
        raise _error("outcome", "Choose the outcome.", "required")
    conclusion = _text(conclusion, "conclusion", "Write the conclusion.")
    with transaction.atomic():
        case = _lock(case)
        if CaseStatus.CLOSED not in CASE_TRANSITIONS[case.status]:
            raise _error("status", "This case is already closed.", "invalid_transition")
        if outcome == CaseOutcome.REPORTED and (report is None or report.case_id != case.pk):
            raise _error("report", "Name the STR this case produced.", "report_required")
        case.outcome, case.conclusion, case.report = outcome, conclusion, report
        if case.is_high_severity:
            case.close_requested_by, case.close_requested_at = _user(actor), timezone.now()
            case.save(
                update_fields=[
                    "outcome", "conclusion", "report", "close_requested_by",
                    "close_requested_at", "updated_at",
                ]
            )  # fmt: skip
            _event(case, actor, CaseEvent.Kind.DECISION, f"Closing requested: {conclusion}")
            audit.record(
                actor=actor, action="close_requested", target=case, changes={"outcome": outcome}
            )
            return case
        return _finish_close(case, actor)


def confirm_close(case: Case, *, actor: Any) -> Case:
    """The second officer's confirmation of a requested close (never the requester)."""
    require(actor, Module.CASES, Access.WRITE)
    with transaction.atomic():
        case = _lock(case)
        if case.close_requested_by_id is None or not case.is_open:
            raise _error("status", "Nobody has asked to close this case.", "nothing_to_confirm")
        if case.close_requested_by_id == getattr(actor, "pk", None):
            raise _error(
                "status", "A second officer must confirm the close you asked for.", "four_eyes"
            )
        return _finish_close(case, actor)


def reject_close(case: Case, *, actor: Any, reason: str) -> Case:
    require(actor, Module.CASES, Access.WRITE)
    reason = _text(reason, "reason", "Say why the case stays open.")
    with transaction.atomic():
        case = _lock(case)
        if case.close_requested_by_id is None:
            raise _error("status", "Nobody has asked to close this case.", "nothing_to_confirm")
        case.close_requested_by = case.close_requested_at = None
        case.outcome, case.report = "", None
        case.save(
            update_fields=[
                "close_requested_by",
                "close_requested_at",
                "outcome",
                "report",
                "updated_at",
            ]
        )
        _event(case, actor, CaseEvent.Kind.DECISION, f"Closing refused: {reason}")
        audit.record(actor=actor, action="close_rejected", target=case, changes={"reason": reason})
    return case


def _finish_close(case: Case, actor: Any) -> Case:
    old, now = case.status, timezone.now()
    case.status, case.closed_at, case.closed_by = CaseStatus.CLOSED, now, _user(actor)
    case.save(
        update_fields=[
            "status", "outcome", "conclusion", "report", "closed_at", "closed_by", "updated_at",
        ]
    )  # fmt: skip
    _event(
        case, actor, CaseEvent.Kind.STATUS, case.conclusion, from_status=old, to_status=case.status
    )
    audit.record(
        actor=actor,
        action="close",
        target=case,
        changes={
            "status": {"old": old, "new": CaseStatus.CLOSED},
            "outcome": case.outcome,
            "requested_by": case.close_requested_by_id,
        },
    )
    return case


def reopen_case(case: Case, *, actor: Any, reason: str) -> Case:
    """Reopen a closed case (to Investigating); the outcome is kept on the timeline only.
    The approvals module may put a second person in front of this call."""
    require(actor, Module.CASES, Access.WRITE)
    reason = _text(reason, "reason", "Say why the case is reopened.")
    if Case.objects.filter(pk=case.pk).values_list("status", flat=True).first() != (
        CaseStatus.CLOSED
    ):
        raise _error("status", "Only a closed case can be reopened.", "invalid_transition")
    # Maker-checker when the "reopen a closed case" action needs a second person (default):
    # then a request waits in the approvals inbox and nothing changes here.
    approvals_gate.require(
        CASE_REOPEN, actor=actor, target=case, payload={"case": case.pk, "reason": reason}
    )
    with transaction.atomic():
        case = _lock(case)
        if case.status != CaseStatus.CLOSED:
            raise _error("status", "Only a closed case can be reopened.", "invalid_transition")
        old_outcome = case.outcome
        case.status, case.outcome, case.closed_at, case.closed_by = (
            CaseStatus.INVESTIGATING, "", None, None,
        )  # fmt: skip
        case.close_requested_by = case.close_requested_at = None
        case.save(
            update_fields=[
                "status", "outcome", "closed_at", "closed_by", "close_requested_by",
                "close_requested_at", "updated_at",
            ]
        )  # fmt: skip
        _event(
            case, actor, CaseEvent.Kind.STATUS, reason,
            from_status=CaseStatus.CLOSED, to_status=CaseStatus.INVESTIGATING,
        )  # fmt: skip
        audit.record(
            actor=actor,
            action="reopen",
            target=case,
            changes={
                "status": {"old": "closed", "new": "investigating"},
                "outcome": old_outcome,
                "reason": reason,
            },
        )
    return case


# ----------------------------------------------------------------------------- STR


def _lock_str(report: SuspiciousTransactionReport) -> SuspiciousTransactionReport:
    return SuspiciousTransactionReport.objects.select_for_update().get(pk=report.pk)


def _str_move(report: SuspiciousTransactionReport, to: str) -> None:
    if to not in STR_TRANSITIONS[report.status]:
        raise _error(
            "status",
            f"A {report.get_status_display().lower()} STR cannot become "
            f"{StrStatus(to).label.lower()}.",
            "invalid_transition",
        )


def prepare_str(
    case: Case,
    *,
    actor: Any,
    grounds: str,
    concluded_on: dt.date | None = None,
    transaction_ids: Iterable[int] | None = None,
    amends: SuspiciousTransactionReport | None = None,
) -> SuspiciousTransactionReport:
    """A draft STR from a case: its transactions (or the chosen ones among them)."""
    require(actor, Module.CASES, Access.WRITE)
    grounds = _text(grounds, "grounds", "Write the grounds of suspicion.")
    concluded_on = concluded_on or timezone.localdate()
    with transaction.atomic():
        case = _lock(case)
        (n,) = counters.next_values("str")
        report = SuspiciousTransactionReport.objects.create(
            number=f"STR-{n:06d}",
            case=case,
            grounds=grounds,
            suspicion_concluded_on=concluded_on,
            due_on=calendar.str_due_on(concluded_on),
            prepared_by=_user(actor),
            amends=amends,
            created_at=timezone.now(),
        )
        chosen = case.transactions.all()
        if transaction_ids is not None:
            chosen = chosen.filter(pk__in=list(transaction_ids))
        report.transactions.set(chosen)
        _event(case, actor, CaseEvent.Kind.DECISION, f"{report.number} drafted")
        audit.record(
            actor=actor,
            action="create",
            target=report,
            changes={"case": case.pk, "due_on": report.due_on.isoformat()},
        )
    return report


def approve_str(report: SuspiciousTransactionReport, *, actor: Any) -> SuspiciousTransactionReport:
    """Four eyes: the approver is never the officer who prepared the report."""
    require(actor, Module.CASES, Access.WRITE)
    with transaction.atomic():
        report = _lock_str(report)
        _str_move(report, StrStatus.APPROVED)
        if report.prepared_by_id == getattr(actor, "pk", None):
            raise _error(
                "status", "A second officer must approve the STR you prepared.", "four_eyes"
            )
        report.status, report.approved_by, report.approved_at = (
            StrStatus.APPROVED, _user(actor), timezone.now(),
        )  # fmt: skip
        report.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
        audit.record(actor=actor, action="approve", target=report, changes={"status": "approved"})
    return report


def file_str(
    report: SuspiciousTransactionReport, *, actor: Any, acknowledgement: str
) -> SuspiciousTransactionReport:
    require(actor, Module.CASES, Access.WRITE)
    ack = _text(acknowledgement, "acknowledgement", "Type the FIU's acknowledgement number.")[:64]
    with transaction.atomic():
        report = _lock_str(report)
        _str_move(report, StrStatus.FILED)
        report.status, report.acknowledgement = StrStatus.FILED, ack
        report.filed_by, report.filed_at = _user(actor), timezone.now()
        report.save(
            update_fields=["status", "acknowledgement", "filed_by", "filed_at", "updated_at"]
        )
        audit.record(actor=actor, action="file", target=report, changes={"acknowledgement": ack})
        if report.amends_id:
            SuspiciousTransactionReport.objects.filter(pk=report.amends_id).update(
                status=StrStatus.AMENDED
            )
    return report


def amend_str(
    report: SuspiciousTransactionReport, *, actor: Any, grounds: str
) -> SuspiciousTransactionReport:
    """A new draft replacing a filed STR; the filed one becomes Amended when it is filed."""
    require(actor, Module.CASES, Access.WRITE)
    if report.status != StrStatus.FILED:
        raise _error("status", "Only a filed STR can be amended.", "invalid_transition")
    ids = list(report.transactions.values_list("pk", flat=True))
    return prepare_str(
        report.case,
        actor=actor,
        grounds=grounds,
        concluded_on=report.suspicion_concluded_on,
        transaction_ids=ids,
        amends=report,
    )


def record_output(report: Any, *, actor: Any, kind: str) -> None:
    """Generating or downloading a report's PDF/XML is audited (it carries personal data)."""
    require(actor, Module.CASES, Access.READ)
    with transaction.atomic():
        audit.record(
            actor=actor, action=f"download_{kind}", target=report, changes={"format": kind}
        )


def record_ctr_output(month: dt.date, rows: int, *, actor: Any, kind: str) -> None:
    require(actor, Module.CASES, Access.READ)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=f"download_{kind}",
            target=audit.Target("cases.cashtransactionreport", "", f"CTR {month:%Y-%m}"),
            changes={"month": month.isoformat(), "rows": rows},
        )


# ----------------------------------------------------------------------------- CTR


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month as [start, end) instants in the firm's time zone (``settings.TIME_ZONE``)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(nxt, dt.time.min, tzinfo=zone)


def cash_q() -> Q:
    return Q(
        channel__in=settings.CTR_CASH_CHANNELS,
        type__in=("deposit", "withdrawal"),
        status="successful",
    )


def reportable_cash(month: dt.date) -> dict[int, list[Any]]:
    """Customer id -> the month's cash transactions, for customers whose monthly cash is
    above the threshold: one transaction above it, or a series integrally connected within
    the month (all of one customer's cash that month) that together exceed it. Exactly the
    threshold is not above."""
    from clientdesk.transactions.models import Transaction

    threshold = Decimal(settings.CTR_THRESHOLD)
    start, end = month_bounds(month)
    rows = (
        Transaction.objects.filter(cash_q(), occurred_at__gte=start, occurred_at__lt=end)
        .only("id", "customer_id", "amount_base", "occurred_at")
        .order_by("customer_id", "occurred_at", "id")
    )
    by_customer: dict[int, list[Any]] = {}
    for tx in rows:
        by_customer.setdefault(tx.customer_id, []).append(tx)
    return {
        cid: txs for cid, txs in by_customer.items() if sum(t.amount_base for t in txs) > threshold
    }


def compute_ctr(month: dt.date, *, actor: Any = None) -> list[CashTransactionReport]:
    """(Re)compute a month's CTR rows; rows already reviewed or filed are kept as they are."""
    if actor is not None:
        require(actor, Module.CASES, Access.WRITE)
    month = month.replace(day=1)
    threshold = Decimal(settings.CTR_THRESHOLD)
    found = reportable_cash(month)
    out = []
    with transaction.atomic():
        CashTransactionReport.objects.filter(month=month, status=CtrStatus.COMPUTED).exclude(
            customer_id__in=found
        ).delete()
        kept = set(
            CashTransactionReport.objects.filter(month=month)
            .exclude(status=CtrStatus.COMPUTED)
            .values_list("customer_id", flat=True)
        )
        for cid, txs in found.items():
            if cid in kept:
                continue
            row, _ = CashTransactionReport.objects.update_or_create(
                month=month,
                customer_id=cid,
                defaults={
                    "total": sum(t.amount_base for t in txs),
                    "count": len(txs),
                    "single_above": any(t.amount_base > threshold for t in txs),
                    "due_on": calendar.ctr_due_on(month),
                    "computed_at": timezone.now(),
                },
            )
            row.transactions.set(txs)
            out.append(row)
        audit.record(
            actor=actor,
            action="compute_ctr",
            target=audit.Target("cases.cashtransactionreport", "", f"CTR {month:%Y-%m}"),
            changes={"month": month.isoformat(), "customers": len(found)},
        )
    return out


def previous_month(today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _ctr_move(row: CashTransactionReport, to: str) -> None:
    if to not in CTR_TRANSITIONS[row.status]:
        raise _error("status", f"A {row.get_status_display().lower()} CTR cannot become {to}.")


def review_ctr(row: CashTransactionReport, *, actor: Any) -> CashTransactionReport:
    require(actor, Module.CASES, Access.WRITE)
    with transaction.atomic():
        row = CashTransactionReport.objects.select_for_update().get(pk=row.pk)
        _ctr_move(row, CtrStatus.REVIEWED)
        row.status, row.reviewed_by = CtrStatus.REVIEWED, _user(actor)
        row.save(update_fields=["status", "reviewed_by"])
        audit.record(actor=actor, action="review", target=row, changes={"status": "reviewed"})
    return row


def file_ctr(
    row: CashTransactionReport, *, actor: Any, acknowledgement: str
) -> CashTransactionReport:
    require(actor, Module.CASES, Access.WRITE)
    ack = _text(acknowledgement, "acknowledgement", "Type the FIU's acknowledgement number.")[:64]
    with transaction.atomic():
        row = CashTransactionReport.objects.select_for_update().get(pk=row.pk)
        _ctr_move(row, CtrStatus.FILED)
        row.status, row.acknowledgement = CtrStatus.FILED, ack
        row.filed_by, row.filed_at = _user(actor), timezone.now()
        row.save(update_fields=["status", "acknowledgement", "filed_by", "filed_at"])
        audit.record(actor=actor, action="file", target=row, changes={"acknowledgement": ack})
    return row
