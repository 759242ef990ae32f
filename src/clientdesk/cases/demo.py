"""Demo cases for ``make run``: three cases in different statuses and one STR draft."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from . import services
from .models import Case


def seed_cases(users: dict[str, Any]) -> str:
    """Open cases from three customers' alerts (officer ``compliance``; ``admin`` is the
    second officer), then compute last month's CTR. Does nothing when cases exist."""
    from clientdesk.transactions.models import Alert

    officer, second = users.get("compliance"), users.get("admin")
    if officer is None or second is None or Case.objects.exists():
        return "Cases: already seeded."
    alerts, seen = [], set()
    for alert in Alert.objects.open().select_related("customer").order_by("-severity", "id")[:200]:
        if alert.customer_id not in seen:
            seen.add(alert.customer_id)
            alerts.append(alert)
        if len(alerts) == 3:
            break
    with transaction.atomic():
        cases = [services.open_case_for_alert(a, actor=officer) for a in alerts]
        if cases:
            first = services.transition_case(cases[0], "investigating", actor=officer)
            services.assign_case(first, officer, actor=officer)
            services.add_note(
                first, actor=officer, body="Cash deposits at two branches; @admin FYI."
            )
            services.prepare_str(
                first,
                actor=officer,
                grounds="Repeated cash deposits just below the reporting threshold at two "
                "branches within a week, withdrawn the same day by card payments abroad.",
            )
        if len(cases) > 1:
            services.transition_case(cases[1], "investigating", actor=officer)
            services.transition_case(cases[1], "escalated", actor=officer, note="Needs the PO.")
        if len(cases) > 2:
            closed = services.close_case(
                cases[2],
                actor=officer,
                outcome="no_action",
                conclusion="Salary bonus, payslip seen.",
            )
            if closed.is_open:
                services.confirm_close(closed, actor=second)
    rows = services.compute_ctr(services.previous_month())
    return f"Cases: {len(cases)} demo cases, 1 STR draft; CTR last month: {len(rows)} customer(s)."
