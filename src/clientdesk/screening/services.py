"""Every write of the screening and risk module (design rule 1).

Each function is atomic, locks the row it changes, checks the transition table or the
rule, writes its audit record in the same transaction and leaves side effects (tasks,
recomputes) for ``transaction.on_commit``. ``actor=None`` means the system (a management
command or a background task); a user actor needs Compliance access.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from clientdesk.activities.models import Kind
from clientdesk.activities.services import log_activity
from clientdesk.core import audit
from clientdesk.core.permissions import Access, require
from clientdesk.customers.models import Customer, RiskLevel
from clientdesk.webhooks.events import emit, emit_many

from . import indexing, risk
from .loaders import ListFormatError, load_inhouse_csv, load_ofac, load_un_xml
from .matching import Match, ScreeningSubject
from .models import (
    HIT_TRANSITIONS,
    MODULE,
    HitStatus,
    ListCategory,
    ListEntryRecord,
    ListFormat,
    ListVersion,
    RiskProfile,
    RunStatus,
    ScreeningCheck,
    ScreeningHit,
    ScreeningList,
    ScreeningRun,
    Trigger,
)
from .records import EntryKind, LoadedList

logger = logging.getLogger(__name__)

PERSON_KINDS = frozenset({EntryKind.INDIVIDUAL})
SCREENED_FIELDS = frozenset({"first_name", "last_name", "date_of_birth", "country", "nationality"})
RISK_FIELDS = frozenset({"country", "state", "occupation", "income_band"})
# source -> (name, category, format) for the published lists
KNOWN_SOURCES = {
    "ofac_sdn": ("OFAC SDN", ListCategory.SANCTIONS, ListFormat.OFAC),
    "ofac_cons": ("OFAC Consolidated (non-SDN)", ListCategory.SANCTIONS, ListFormat.OFAC),
    "un": ("UN Security Council Consolidated", ListCategory.SANCTIONS, ListFormat.UN),
}
MIN_REASON = 10
MIN_FORK = 2000  # fewer customers than this in a chunk: screened in-process


def _authorize(actor: Any) -> None:
    if actor is not None:
        require(actor, MODULE, Access.WRITE)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _error(field: str, message: str, code: str) -> ValidationError:
    """A field-named error whose stable code reaches the API (``{"code": ...}``)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _reason(reason: str, field: str = "reason") -> str:
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise _error(
            field, f"Give a reason of at least {MIN_REASON} characters.", "reason_required"
        )
    return text


# --- lists -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    version: ListVersion
    created: bool  # False: the file held exactly the current version's entries
    loaded: LoadedList


def read_list(file_format: str, path: str | Path, source: str) -> LoadedList:
    """Parse a list file (OFAC: the folder of its CSV files) into entries."""
    path = Path(path)
    if file_format == ListFormat.OFAC:
        return load_ofac(path)
    if file_format == ListFormat.UN:
        return load_un_xml(path)
    if file_format == ListFormat.CSV:
        return load_inhouse_csv(path, source=source)
    raise ListFormatError(f"unknown list format {file_format!r}")


def load_list_version(
    *,
    actor: Any,
    source: str,
    path: str | Path,
    name: str = "",
    category: str = "",
    file_format: str = "",
    rescreen: bool = True,
) -> LoadResult:
    """Load a list file as a new version of list ``source`` (created on first load).

    A file whose entries equal the current version's changes nothing. Otherwise the new
    version becomes current and, after commit, every customer is re-screened.
    """
    _authorize(actor)
    known = KNOWN_SOURCES.get(source, ("", ListCategory.INTERNAL, ListFormat.CSV))
    file_format = file_format or known[2]
    loaded = read_list(file_format, path, source)
    with transaction.atomic():
        screening_list = _get_list(
            source, name or known[0] or source, category or known[1], file_format
        )
        current = (
            ListVersion.objects.select_for_update()
            .filter(screening_list=screening_list, is_current=True)
            .first()
        )
        if current is not None and current.digest == loaded.version.digest:
            return LoadResult(current, False, loaded)
        version = _store_version(screening_list, current, loaded, actor, Path(path).name)
        if rescreen:
            transaction.on_commit(
                lambda: start_rescreen(actor=None, trigger=Trigger.LIST_CHANGE, note=str(version))
            )
    return LoadResult(version, True, loaded)


def _get_list(source: str, name: str, category: str, file_format: str) -> ScreeningList:
    screening_list, created = ScreeningList.objects.select_for_update().get_or_create(
        source=source, defaults={"name": name, "category": category, "file_format": file_format}
    )
    if created:
        audit.record(
            actor=None,
            action="create",
            target=screening_list,
            changes={"name": {"old": "", "new": name}, "category": {"old": "", "new": category}},
        )
    return screening_list


def _store_version(
    screening_list: ScreeningList,
    current: ListVersion | None,
    loaded: LoadedList,
    actor: Any,
    file_name: str,
) -> ListVersion:
    summary = loaded.version
    before: dict[str, str] = {}
    if current is not None:
        before = dict(current.entries.values_list("external_id", "content_hash"))
        current.is_current = False
        current.save(update_fields=["is_current"])
    after = {e.external_id: e.content_hash for e in loaded}
    number = (screening_list.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ListVersion.objects.create(
        screening_list=screening_list,
        number=number,
        is_current=True,
        digest=summary.digest,
        published_at=summary.published,
        loaded_at=timezone.now(),
        loaded_by=_user(actor),
        file_name=file_name[:255],
        entry_count=summary.entry_count,
        alias_count=summary.alias_count,
        counts_by_kind=summary.counts_by_kind,
        added_count=len(after.keys() - before.keys()),
        changed_count=sum(1 for k, h in after.items() if k in before and before[k] != h),
        removed_count=len(before.keys() - after.keys()),
        problems=list(summary.problems)[:200],
        orphans=summary.orphans.summary()[:500],
    )
    ListEntryRecord.objects.bulk_create(
        (
            ListEntryRecord(
                version=version,
                external_id=e.external_id,
                kind=str(e.kind),
                name=e.name[:500],
                content_hash=e.content_hash,
                data=e.to_dict(),
            )
            for e in loaded
        ),
        batch_size=1000,
    )
    audit.record(
        actor=actor,
        action="create",
        target=version,
        changes={
            "entries": {"old": current.entry_count if current else 0, "new": version.entry_count},
            "digest": {"old": current.digest if current else "", "new": version.digest},
        },
    )
    return version


# --- screening ---------------------------------------------------------------------------


def subject_of(
    customer_id: int, first: str, last: str, dob: Any, country: str, nationality: str | None = None
) -> ScreeningSubject:
    """Customers are people: matched against individuals only. Nationality (or, where it is
    not recorded, the country of residence) lifts or lowers a score with the list's."""
    name = f"{first} {last}".strip()
    return ScreeningSubject(customer_id, name, dob, nationality or country or None, PERSON_KINDS)


def screen_customer(customer: Customer, *, trigger: str, actor: Any = None) -> ScreeningCheck:
    """Screen one customer against every current list; new hits go to the queue."""
    _authorize(actor)
    loaded = indexing.current_index()
    subject = subject_of(
        customer.pk,
        customer.first_name,
        customer.last_name,
        customer.date_of_birth,
        customer.country,
        customer.nationality,
    )
    matches = loaded.index.screen_subject(subject)
    now = timezone.now()
    with transaction.atomic():
        created = _record_matches([(subject, matches)], loaded, trigger, now)
        for hit in created:
            audit.record(actor=actor, action="create", target=hit, changes=_hit_changes(hit))
        check = ScreeningCheck.objects.create(
            customer=customer,
            trigger=trigger,
            checked_at=now,
            screened_name=subject.name[:201],
            versions=loaded.labels,
            match_count=len(matches),
            new_hits=len(created),
        )
    return check


def _hit_changes(hit: ScreeningHit) -> dict[str, Any]:
    return {
        "list_entry": {"old": "", "new": f"{hit.external_id} {hit.entry_name}"[:200]},
        "score": {"old": "", "new": str(hit.score)},
        "status": {"old": "", "new": hit.status},
    }


def _record_matches(
    results: Sequence[tuple[ScreeningSubject, list[Match]]],
    loaded: indexing.Loaded,
    trigger: str,
    now: dt.datetime,
) -> list[ScreeningHit]:
    """Raise a hit per new (customer, entry content) pair; return the hits created.

    A pair already in the queue with the same entry content is left alone, whatever its
    status (this is what makes a dismissal stick). An *open* hit on an older content of
    the same entry is brought up to date instead of adding a second one.
    """
    ids = [subject.key for subject, matches in results if matches]
    existing: dict[tuple[Any, int, str], list[ScreeningHit]] = {}
    for hit in ScreeningHit.objects.filter(customer_id__in=ids).only(
        "id", "customer_id", "screening_list_id", "external_id", "content_hash", "status"
    ):
        existing.setdefault((hit.customer_id, hit.screening_list_id, hit.external_id), []).append(
            hit
        )
    created: list[ScreeningHit] = []
    for subject, matches in results:
        for match, (list_id, record_id) in _placed(matches, loaded):
            earlier = existing.get((subject.key, list_id, match.external_id), [])
            if any(h.content_hash == match.content_hash for h in earlier):
                continue
            fields = _hit_fields(match, record_id, subject, trigger)
            stale = next((h for h in earlier if h.status == HitStatus.OPEN), None)
            if stale is not None:
                ScreeningHit.objects.filter(pk=stale.pk).update(**fields)
                continue
            created.append(
                ScreeningHit(
                    customer_id=subject.key,  # type: ignore[misc]  # the customer's pk
                    screening_list_id=list_id,
                    created_at=now,
                    status=HitStatus.OPEN,
                    **fields,
                )
            )
    return emit_many(
        "screening_hit.raised", ScreeningHit.objects.bulk_create(created, batch_size=500)
    )


def _placed(
    matches: list[Match], loaded: indexing.Loaded
) -> Iterable[tuple[Match, tuple[int, int]]]:
    """Each match with each (list, record) holding its entry, once per list."""
    seen: set[tuple[int, str]] = set()
    for match in matches:
        for list_id, record_id in loaded.where(match.entry):
            if (list_id, match.external_id) not in seen:
                seen.add((list_id, match.external_id))
                yield match, (list_id, record_id)


def _redact(value: Any, dob: Any) -> Any:
    """The stored explanation never holds the customer's full date of birth (rule 5)."""
    if not isinstance(dob, dt.date):
        return value
    if isinstance(value, str):
        return value.replace(dob.isoformat(), "on file")
    if isinstance(value, dict):
        return {k: _redact(v, dob) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, dob) for v in value]
    return value


def _hit_fields(
    match: Match, record_id: int, subject: ScreeningSubject, trigger: str
) -> dict[str, Any]:
    screened_name, dob = subject.name, subject.dob
    return {
        "entry_id": record_id,
        "external_id": match.external_id,
        "content_hash": match.content_hash,
        "entry_name": match.entry.name[:500],
        "matched_name": match.matched_name[:500],
        "score": round(match.score, 1),
        "name_score": round(match.name_score, 1),
        "explanation": _redact(match.to_dict(), dob),
        "screened_name": screened_name[:201],
        "trigger": trigger,
    }


def on_customer_saved(customer: Customer, changed: set[str], created: bool) -> None:
    """The customers module's hook (runs after commit): screen and re-rate as needed."""
    from . import tasks

    if created or changed & SCREENED_FIELDS:
        trigger = Trigger.REGISTRATION if created else Trigger.PROFILE_CHANGE
        tasks.screen_customer_task.enqueue(customer.pk, str(trigger))
    if created or changed & RISK_FIELDS:
        why = "registered" if created else "changed: " + ", ".join(sorted(changed & RISK_FIELDS))
        risk.request_recompute(customer, reason=why)


# --- bulk re-screening -------------------------------------------------------------------


def start_rescreen(*, actor: Any, trigger: str, note: str = "") -> ScreeningRun:
    """Queue a re-screen of every customer (an unfinished earlier run is superseded)."""
    _authorize(actor)
    from . import tasks

    with transaction.atomic():
        for old in ScreeningRun.objects.select_for_update().filter(
            status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
        ):
            old.status, old.error = RunStatus.SUPERSEDED, "A newer run covers every customer."
            old.finished_at = timezone.now()
            old.save(update_fields=["status", "error", "finished_at"])
        run = ScreeningRun.objects.create(
            trigger=trigger,
            requested_by=_user(actor),
            created_at=timezone.now(),
            total=Customer.objects.count(),
            upto=Customer.objects.aggregate(m=Max("id"))["m"] or 0,
            versions=[str(v) for v in indexing.current_versions()],
            note=note[:200],
        )
        audit.record(
            actor=actor,
            action="create",
            target=run,
            changes={"trigger": {"old": "", "new": trigger}},
        )
        transaction.on_commit(lambda: tasks.rescreen_task.enqueue(run.pk))
    return run


def continue_run(
    run_id: int,
    *,
    budget_seconds: float | None = None,
    chunk_size: int | None = None,
    processes: int | None = None,
) -> bool:
    """Screen the next chunks of a run until done or the time budget is spent.

    Returns True when the run is finished (or no longer runnable). Each chunk commits its
    hits together with the run's new cursor, so a crash loses at most one chunk's work.
    """
    budget = settings.SCREENING_RUN_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    started = time.monotonic()
    while True:
        finished = _run_chunk(
            run_id,
            chunk_size or settings.SCREENING_CHUNK_SIZE,
            processes or settings.SCREENING_PROCESSES,
        )
        if finished:
            return True
        if time.monotonic() - started >= budget:
            return False


def _customer_chunk(run: ScreeningRun, size: int) -> list[ScreeningSubject]:
    rows = (
        Customer.objects.filter(id__gt=run.cursor, id__lte=run.upto)
        .order_by("id")
        .values_list("id", "first_name", "last_name", "date_of_birth", "country", "nationality")[
            :size
        ]
    )
    return [subject_of(*row) for row in rows]


def _run_chunk(run_id: int, size: int, processes: int) -> bool:
    with transaction.atomic():
        run = ScreeningRun.objects.select_for_update().get(pk=run_id)
        if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            return True
        now = timezone.now()
        if run.status == RunStatus.QUEUED:
            run.status, run.started_at = RunStatus.RUNNING, now
        subjects = _customer_chunk(run, size)
        if not subjects:
            _finish(run, now)
            return True
        loaded = indexing.current_index()
        pool = processes if len(subjects) >= MIN_FORK else 1
        results = [
            (by_key[key], matches)
            for by_key in [{s.key: s for s in subjects}]
            for key, matches in loaded.index.screen_many(subjects, processes=pool, chunk_size=1000)
        ]
        created = _record_matches(results, loaded, run.trigger, now)
        if created:
            audit.record(
                actor=None,
                action="create",
                target=run,
                changes={"hits": {"old": "", "new": ", ".join(str(h.pk) for h in created)}},
            )
        run.cursor = int(subjects[-1].key)  # type: ignore[call-overload]
        run.processed += len(subjects)
        run.matched += len(results)
        run.new_hits += len(created)
        run.heartbeat_at = timezone.now()
        run.save()
    return False


def _finish(run: ScreeningRun, now: dt.datetime) -> None:
    run.status, run.finished_at, run.heartbeat_at = RunStatus.DONE, now, now
    run.save()
    audit.record(
        actor=None,
        action="status_change",
        target=run,
        changes={
            "status": {"old": RunStatus.RUNNING, "new": RunStatus.DONE},
            "screened": {"old": "", "new": run.processed},
            "new_hits": {"old": "", "new": run.new_hits},
        },
    )


def resume_stalled_runs(*, stale_after: dt.timedelta = dt.timedelta(minutes=15)) -> list[int]:
    """Re-enqueue runs whose worker went away (no heartbeat for ``stale_after``)."""
    from . import tasks

    limit = timezone.now() - stale_after
    stalled = [
        run.pk
        for run in ScreeningRun.objects.filter(status__in=(RunStatus.QUEUED, RunStatus.RUNNING))
        if (run.heartbeat_at or run.created_at) < limit
    ]
    for run_id in stalled:
        tasks.rescreen_task.enqueue(run_id)
    return stalled


# --- hits --------------------------------------------------------------------------------


def decide_hit(hit: ScreeningHit, *, actor: Any, to_status: str, reason: str) -> ScreeningHit:
    """Confirm or dismiss a hit (or correct an earlier decision), with a reason."""
    require(actor, MODULE, Access.WRITE)
    reason = _reason(reason)
    with transaction.atomic():
        hit = ScreeningHit.objects.select_for_update().select_related("customer").get(pk=hit.pk)
        if to_status not in HIT_TRANSITIONS[hit.status]:
            raise _error(
                "status",
                f"A {hit.get_status_display().lower()} hit cannot become {to_status}.",
                "invalid_transition",
            )
        old = hit.status
        hit.status, hit.decided_by, hit.decided_at = to_status, actor, timezone.now()
        hit.decision_reason = reason
        hit.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit.record(
            actor=actor,
            action="status_change",
            target=hit,
            changes={"status": {"old": old, "new": to_status}, "reason": reason},
        )
        log_activity(
            hit.customer,
            actor=actor,
            kind=Kind.REVIEW,
            body="Compliance screening review: potential match "
            f"{hit.get_status_display().lower()}.",
            data={"screening_hit": hit.pk, "status": to_status},
        )
        risk.request_recompute(hit.customer, reason=f"screening hit {hit.pk} {to_status}")
        emit("screening_hit.decided", hit, previous_status=old)
        if to_status == HitStatus.CONFIRMED:  # after commit: the hit is saved before the lookup
            transaction.on_commit(partial(block_on_sanctions, hit.pk, actor), robust=True)
        # A confirmed sanctions match opens (or joins) an investigation case, on commit.
        _open_case_on_commit(hit, actor, old)
    return hit


def block_on_sanctions(hit_id: int, actor: Any) -> None:
    """A confirmed sanctions hit blocks the customer at once (through maker-checker when the
    "block or close a customer" action needs approval: then a request waits)."""
    from clientdesk.approvals.gate import PendingApproval
    from clientdesk.customers.models import Status
    from clientdesk.customers.services import change_status

    hit = ScreeningHit.objects.select_related("customer", "screening_list").get(pk=hit_id)
    list_ = hit.screening_list
    if list_.category != ListCategory.SANCTIONS:
        return
    if hit.customer.status in (Status.BLOCKED, Status.CLOSED):
        return
    reason = f"Confirmed sanctions match on {list_.name} (screening hit {hit.pk})."
    with contextlib.suppress(PendingApproval):  # else the request waits in the inbox
        change_status(hit.customer, actor=actor, to_status=Status.BLOCKED, reason=reason)


def _open_case_on_commit(hit: ScreeningHit, actor: Any, old: str) -> None:
    """The cases app's hook: a hit confirmed on a sanctions list opens a case."""
    if hit.status != HitStatus.CONFIRMED or old == HitStatus.CONFIRMED:
        return  # (a dismissal reads no list)
    if hit.screening_list.category == ListCategory.SANCTIONS:
        from clientdesk.cases.services import open_case_for_hit

        transaction.on_commit(lambda: open_case_for_hit(hit, actor=actor))


# --- risk --------------------------------------------------------------------------------


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def next_reverification(customer: Customer, level: str) -> dt.date:
    """Years per level (settings) after the last profile review, else the account opening."""
    anchors = [customer.last_reviewed_at, customer.account_opened_at, customer.created_at]
    anchor = max(a for a in anchors if a is not None)
    years = int(settings.RISK_REVERIFICATION_YEARS[level])
    return _add_years(timezone.localdate(anchor), years)


def recompute_risk_for_id(customer_id: int, *, reason: str) -> RiskProfile | None:
    customer = Customer.objects.filter(pk=customer_id).first()
    return recompute_risk(customer, reason=reason) if customer else None


def recompute_risk(customer: Customer, *, reason: str, actor: Any = None) -> RiskProfile:
    """Run every registered factor and store score, level and contributions."""
    _authorize(actor)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        parts = risk.evaluate(customer)
        score = risk.score_of(parts)
        profile = RiskProfile.objects.filter(customer=customer).first() or RiskProfile(
            customer=customer
        )
        profile.score, profile.computed_level = score, risk.level_for(score)
        profile.factors = [p.as_dict() for p in parts]
        profile.computed_at, profile.computed_reason = timezone.now(), reason[:500]
        _store_profile(customer, profile, actor, reason)
    return profile


def _store_profile(customer: Customer, profile: RiskProfile, actor: Any, reason: str) -> None:
    """Save the profile and mirror it on the customer; audit when the outcome moved."""
    profile.next_reverification_on = next_reverification(customer, profile.level)
    profile.save()
    before = {
        "risk_level": customer.risk_level,
        "risk_score": customer.risk_score,
        "next_reverification_on": customer.next_reverification_on,
    }
    after = {
        "risk_level": profile.level,
        "risk_score": profile.score,
        "next_reverification_on": profile.next_reverification_on,
    }
    changes = audit.diff(before, after)
    if not changes:
        return
    Customer.objects.filter(pk=customer.pk).update(**after)
    for name, value in after.items():
        setattr(customer, name, value)
    audit.record(
        actor=actor, action="update", target=customer, changes={**changes, "reason": reason}
    )
    if "risk_level" in changes:
        log_activity(
            customer,
            actor=actor,
            kind=Kind.REVIEW,
            body=f"Risk level set to {RiskLevel(profile.level).label}.",
            data={"risk_level": profile.level, "score": profile.score},
        )


def override_risk(customer: Customer, *, actor: Any, level: str, reason: str) -> RiskProfile:
    """Set (or with ``level=""`` clear) a manual risk level; a reason is always needed."""
    require(actor, MODULE, Access.WRITE)
    if level not in ("", *RiskLevel.values):
        raise _error("level", "Choose Low, Medium or High (or none).", "invalid")
    reason = _reason(reason)
    from clientdesk.approvals import gate

    payload = {"customer": customer.pk, "level": level, "reason": reason}
    gate.require("risk.override", actor=actor, target=customer, payload=payload)
    if not _has_profile(customer):
        recompute_risk(customer, reason="before override")
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        profile = RiskProfile.objects.select_for_update().get(customer=customer)
        if level == profile.override_level:
            raise _error("level", "The risk level is already set this way.", "unchanged")
        old = profile.override_level
        profile.override_level, profile.override_reason = level, reason if level else ""
        profile.overridden_by, profile.overridden_at = actor, timezone.now()
        audit.record(
            actor=actor,
            action="update",
            target=profile,
            changes={"override_level": {"old": old, "new": level}, "reason": reason},
        )
        _store_profile(customer, profile, actor, f"override: {reason}")
    return profile


def _has_profile(customer: Customer) -> bool:
    return RiskProfile.objects.filter(customer_id=customer.pk).exists()


def recompute_all(*, reason: str, batch: int = 1000, ids: Iterable[int] | None = None) -> int:
    """Recompute every (or the given) customer's risk profile; returns how many."""
    count = 0
    queryset = Customer.objects.order_by("id").values_list("id", flat=True)
    for customer_id in ids if ids is not None else queryset.iterator(chunk_size=batch):
        recompute_risk_for_id(customer_id, reason=reason)
        count += 1
    return count
