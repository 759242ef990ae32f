"""Writing and verifying the hash-chained audit trail.

``record`` must be called inside the transaction of the change it describes (services do
this), so a change and its audit record commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from . import context
from .masking import scrub
from .models import AuditChainHead, AuditEvent

REDACTED = "[redacted]"
GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "seq": event.seq,
        "created_at": event.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "changes": event.changes,
        "source": event.source,
        "ip_address": event.ip_address,
        "request_id": event.request_id,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + b"|" + _canonical(event)).hexdigest()


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any], *, sensitive: Iterable[str] = ()
) -> dict[str, dict[str, Any]]:
    """Field -> {"old", "new"} for every changed field; sensitive values redacted."""
    hidden = set(sensitive)
    changes: dict[str, dict[str, Any]] = {}
    for name, new in after.items():
        old = before.get(name)
        if old == new or (old in (None, "") and new in (None, "")):
            continue
        if name in hidden:
            changes[name] = {"old": REDACTED if old else "", "new": REDACTED if new else ""}
        else:
            changes[name] = {"old": _jsonable(old), "new": _jsonable(new)}
    return changes


def _scrubbed(value: Any) -> Any:
    """Mask anything shaped like a PAN or Aadhaar inside free text (reasons, notes)."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return value


def _label(actor: Any) -> str:
    return getattr(actor, "username", "") or "system"


@dataclass(frozen=True)
class Target:
    type: str
    id: str
    repr: str

    @classmethod
    def of(cls, obj: models.Model) -> Target:
        return cls(obj._meta.label_lower, str(obj.pk), str(obj)[:200])


def record(
    *,
    actor: Any,
    action: str,
    target: Target | models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event, chained to the previous one, inside the caller's transaction."""
    if isinstance(target, models.Model):
        target = Target.of(target)
    ctx = context.current()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            created_at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=_label(actor),
            action=action,
            object_type=target.type if target else "",
            object_id=target.id if target else "",
            object_repr=target.repr if target else "",
            changes=_scrubbed(dict(changes or {})),
            source=ctx.source,
            ip_address=ctx.ip_address,
            request_id=ctx.request_id,
            prev_hash=head.hash,
        )
        event.hash = compute_hash(head.hash, event)
        event.save()
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    problem: str | None = None
    seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(batch_size: int = 5000, using: str = "default") -> VerifyResult:
    """Walk the chain in order; report the first tampered, missing or reordered record.

    ``using`` names another database (``verify_backup`` checks a restored copy)."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    events = AuditEvent.objects.using(using).order_by("seq").iterator(chunk_size=batch_size)
    for event in events:
        if event.seq != expected_seq:
            return VerifyResult(checked, f"record #{expected_seq} is missing", expected_seq)
        if event.prev_hash != prev_hash:
            return VerifyResult(
                checked, f"record #{event.seq} does not follow the record before it", event.seq
            )
        if compute_hash(prev_hash, event) != event.hash:
            return VerifyResult(checked, f"record #{event.seq} was altered", event.seq)
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = AuditChainHead.objects.using(using).filter(pk=1).first()
    if head and head.seq != checked:
        return VerifyResult(
            checked,
            f"records after #{checked} are missing (the chain ends at #{head.seq})",
            checked + 1,
        )
    if head and head.hash != prev_hash:
        return VerifyResult(checked, "the chain head does not match the last record", checked)
    return VerifyResult(checked)
