"""Every write to approval requests and policies (design rule 1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from clientdesk.core import audit
from clientdesk.core.permissions import Access, Module, has_access, require

from . import gate, registry
from .models import TRANSITIONS, ApprovalPolicy, ApprovalRequest, RequestStatus
from .policies import Effective, effective


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def submit(action_key: str, *, actor: Any, target: Any, payload: dict[str, Any]) -> ApprovalRequest:
    """Store the maker's request (the exact change) with the diff the checker will see."""
    action = registry.get(action_key)
    policy = effective(action_key)
    payload = _jsonable(payload)
    before, after = action.snapshot(target, payload)
    now = timezone.now()
    request = ApprovalRequest(
        action_key=action_key,
        payload=payload,
        before=_jsonable(before),
        after=_jsonable(after),
        maker=actor,
        created_at=now,
        expires_at=now + dt.timedelta(hours=policy.expiry_hours),
        summary=f"{action.label}: {target}" if target is not None else action.label,
    )
    if isinstance(target, models.Model):
        t = audit.Target.of(target)
        request.target_type, request.target_id, request.target_repr = t.type, t.id, t.repr
    request.summary = request.summary[:300]
    with transaction.atomic():
        request.save()
        audit.record(
            actor=actor,
            action="create",
            target=request,
            changes={"action": action_key, "target": request.target_repr, "after": request.after},
        )
    return request


def consume_grant(action_key: str, *, actor: Any, payload: dict[str, Any]) -> bool:
    """For a grant (an export): use an approved, unused request of this maker, once."""
    if not registry.get(action_key).grant:
        return False
    wanted = {k: v for k, v in _jsonable(payload).items() if k != "rows"}
    with transaction.atomic():
        candidates = ApprovalRequest.objects.select_for_update().filter(
            action_key=action_key,
            maker_id=actor.pk,
            status=RequestStatus.APPROVED,
            consumed_at__isnull=True,
        )
        found = next(
            (
                r
                for r in candidates
                if {k: v for k, v in r.payload.items() if k != "rows"} == wanted
            ),
            None,
        )
        if found is None:
            return False
        found.consumed_at = timezone.now()
        found.save(update_fields=["consumed_at"])
    return True


def refusal(request: ApprovalRequest, user: Any, policy: Effective | None = None) -> str:
    """Why ``user`` may not decide ``request`` now ("" when they may)."""
    if not request.is_open:
        return "This request is no longer pending."
    if request.maker_id == user.pk:
        return "You made this request; a second person must approve it."
    if not has_access(user, Module.APPROVALS, Access.WRITE):
        return "Your role does not allow this in Approvals (maker-checker)."
    policy = policy or effective(request.action_key)
    if not user.is_superuser and getattr(user.role, "slug", None) not in policy.approver_roles:
        return "Your role may not approve this kind of request."
    return ""


def _lock(request: ApprovalRequest) -> ApprovalRequest:
    return ApprovalRequest.objects.select_for_update().get(pk=request.pk)


def _move(request: ApprovalRequest, to: str, *, actor: Any, reason: str) -> None:
    if to not in TRANSITIONS[request.status]:
        raise ValidationError(
            {"status": ValidationError("This request is no longer pending.", code="decided")}
        )
    old = request.status
    request.status, request.decided_at, request.decision_reason = to, timezone.now(), reason
    if getattr(actor, "pk", None) and to in (RequestStatus.APPROVED, RequestStatus.REJECTED):
        request.checker = actor
    request.save(update_fields=["status", "decided_at", "decision_reason", "checker"])
    audit.record(
        actor=actor,
        action="status_change",
        target=request,
        changes={"status": {"old": old, "new": to}, "reason": reason},
    )


def _decide_checks(request: ApprovalRequest, actor: Any) -> None:
    problem = refusal(request, actor)
    if not problem:
        return
    if request.maker_id == actor.pk:
        raise ValidationError({"non_field_errors": ValidationError(problem, code="self_approval")})
    if request.is_open:
        raise PermissionDenied(problem)
    raise ValidationError({"status": ValidationError(problem, code="decided")})


def approve(request: ApprovalRequest, *, actor: Any, reason: str = "") -> ApprovalRequest:
    """Apply the stored change through its service, as the maker, and mark the request
    approved: one transaction, with both audit records."""
    require(actor, Module.APPROVALS, Access.WRITE)
    with transaction.atomic():
        request = _lock(request)
        _decide_checks(request, actor)
        action = registry.get(request.action_key)
        if action.execute is not None:
            with gate.bypass():
                action.execute(request)
        elif not action.grant:
            raise ValidationError(
                {"non_field_errors": "This action cannot be applied yet (no executor)."}
            )
        _move(request, RequestStatus.APPROVED, actor=actor, reason=(reason or "").strip())
    return request


def reject(request: ApprovalRequest, *, actor: Any, reason: str) -> ApprovalRequest:
    require(actor, Module.APPROVALS, Access.WRITE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Give the maker a reason for the rejection."})
    with transaction.atomic():
        request = _lock(request)
        _decide_checks(request, actor)
        _move(request, RequestStatus.REJECTED, actor=actor, reason=reason)
    return request


def cancel(request: ApprovalRequest, *, actor: Any) -> ApprovalRequest:
    """The maker withdraws their own pending request."""
    with transaction.atomic():
        request = _lock(request)
        if request.maker_id != actor.pk:
            raise PermissionDenied("Only the maker may withdraw a request.")
        _move(request, RequestStatus.CANCELLED, actor=actor, reason="withdrawn by the maker")
    return request


def expire_due(now: dt.datetime | None = None) -> int:
    """Mark pending requests past their expiry as expired (the hourly job)."""
    now = now or timezone.now()
    count = 0
    ids = ApprovalRequest.objects.filter(status=RequestStatus.PENDING, expires_at__lte=now)
    for pk in list(ids.values_list("pk", flat=True)):
        with transaction.atomic():
            request = ApprovalRequest.objects.select_for_update().get(pk=pk)
            if request.status != RequestStatus.PENDING:
                continue
            _move(request, RequestStatus.EXPIRED, actor=None, reason="expired unanswered")
            count += 1
    return count


def save_policy(
    action_key: str,
    *,
    actor: Any,
    enabled: bool,
    approver_roles: Iterable[str],
    expiry_hours: int,
) -> ApprovalPolicy:
    """Admin: whether an action needs a second person, who approves, how long it waits."""
    require(actor, Module.ADMINISTRATION, Access.WRITE)
    from clientdesk.accounts.models import Role

    registry.get(action_key)
    roles = sorted(set(approver_roles))
    errors: dict[str, str] = {}
    known = set(Role.objects.filter(slug__in=roles).values_list("slug", flat=True))
    if set(roles) - known:
        errors["approver_roles"] = "Unknown role."
    elif enabled and not roles:
        errors["approver_roles"] = "Choose at least one role that approves."
    if not isinstance(expiry_hours, int) or not 1 <= expiry_hours <= 24 * 90:
        errors["expiry_hours"] = "Enter between 1 and 2,160 hours (90 days)."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        policy = ApprovalPolicy.objects.select_for_update().filter(action_key=action_key).first()
        old = effective(action_key)
        policy = policy or ApprovalPolicy(action_key=action_key)
        policy.enabled, policy.approver_roles, policy.expiry_hours = enabled, roles, expiry_hours
        policy.save()
        changes = audit.diff(
            {"enabled": old.enabled, "roles": ", ".join(old.approver_roles),
             "expiry_hours": old.expiry_hours},
            {"enabled": enabled, "roles": ", ".join(roles), "expiry_hours": expiry_hours},
        )  # fmt: skip
        audit.record(actor=actor, action="update", target=policy, changes=changes)
    return policy
