"""Demo data for `make run`: consents, requests in every state of ageing, one breach."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from . import services
from .models import ConsentSource, Kind, Purpose, Regime, RequestStatus


def seed_privacy(*, customers: QuerySet[Any], users: dict[str, Any], now: dt.datetime) -> str:
    dpo = users.get("dpo") or users.get("admin")
    people = list(customers.order_by("pk")[:4])
    if dpo is None or len(people) < 4:
        return "Data protection: skipped (no DPO user or too few customers)."
    first = people[0]
    consent = {"actor": dpo, "notice_version": "2026-01", "source": ConsentSource.APP}
    services.record_consent(first, purpose=Purpose.MARKETING_EMAIL, granted=True, **consent)
    services.record_consent(first, purpose=Purpose.MARKETING_SMS, granted=True, **consent)
    services.record_consent(first, purpose=Purpose.MARKETING_SMS, granted=False, **consent)
    services.record_consent(
        first, purpose=Purpose.DATA_SHARING, partner="TransUnion CIBIL", granted=True, **consent
    )
    stories = [
        (people[0], Kind.ACCESS, Regime.DPDP, 3, None),
        (people[1], Kind.CORRECTION, Regime.GDPR, 20, RequestStatus.IN_PROGRESS),
        (people[2], Kind.ERASURE, Regime.DPDP, 10, RequestStatus.VERIFIED),
        (people[3], Kind.GRIEVANCE, Regime.GDPR, 40, None),
    ]
    for customer, kind, regime, days_ago, status in stories:
        request = services.create_request(
            actor=dpo,
            data={
                "kind": kind,
                "regime": regime,
                "customer": customer,
                "requester_name": customer.full_name,
                "details": f"{Kind(kind).label} request received by email.",
                "received_at": now - dt.timedelta(days=days_ago),
            },
        )
        if status:
            services.verify_identity(request, actor=dpo, method="otp", note="OTP to mobile")
        if status == RequestStatus.IN_PROGRESS:
            services.change_status(request, actor=dpo, to_status=status)
    services.record_breach(
        actor=dpo,
        data={
            "title": "Statement emails sent to the wrong recipients",
            "description": "A mail-merge error sent 12 statements to other customers.",
            "detected_at": now - dt.timedelta(hours=20),
            "detected_by": "Support desk",
            "customer_filter": "status=active&city=Pune",
        },
    )
    return "Data protection: 4 requests, 4 consent records, 1 breach."
