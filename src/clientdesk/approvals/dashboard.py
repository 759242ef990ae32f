"""The approvals card on the dashboard (one bounded count; only for roles with access)."""

from __future__ import annotations

from typing import Any

from clientdesk.core.dashboard import Card, register


def _pending(user: Any) -> Any:
    from .models import ApprovalRequest

    return ApprovalRequest.objects.pending().exclude(maker_id=user.pk)


def register_cards() -> None:
    register(
        Card("approvals_pending", "Approvals waiting", "approvals", _pending, "/approvals/",
             order=15, hint="Requests another person made")
    )  # fmt: skip
