"""What the cases app tells data protection: an open investigation or an unfiled STR is a
legal hold on erasure (PMLA s.12: records of a suspicion are kept; s.66: no tipping-off)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from clientdesk.privacy.holds import Hold

from .models import Case, CaseStatus, StrStatus, SuspiciousTransactionReport


def case_holds(customer: Any) -> list[Hold]:
    about = Q(customer=customer) | Q(linked_customers=customer)
    holds = []
    if Case.objects.filter(about).exclude(status=CaseStatus.CLOSED).exists():
        holds.append(
            Hold(
                "open_case",
                "An investigation case about this person is open.",
                "PMLA s.12 (records of a suspicion are kept)",
            )
        )
    unfiled = SuspiciousTransactionReport.objects.filter(
        Q(case__customer=customer) | Q(case__linked_customers=customer)
    ).filter(status__in=[StrStatus.DRAFT, StrStatus.APPROVED])
    if unfiled.exists():
        holds.append(
            Hold(
                "open_regulatory_report",
                "A regulatory report about this person is being prepared.",
                "PMLA s.12 and the PML (Maintenance of Records) Rules, 2005",
            )
        )
    return holds
