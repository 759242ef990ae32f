"""Reads the case pages need, always through ``visible_to``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clientdesk.core.permissions import Access, Module

from .models import (
    OPEN_CASE_STATUSES,
    Case,
    CashTransactionReport,
    SuspiciousTransactionReport,
)


def case_for(user: Any, pk: int) -> Case:
    return get_object_or_404(
        Case.objects.visible_to(user).select_related(
            "customer",
            "customer__transaction_totals",
            "assigned_to",
            "report",
            "close_requested_by",
            "closed_by",
        ),
        pk=pk,
    )


def str_for(user: Any, pk: int) -> SuspiciousTransactionReport:
    return get_object_or_404(
        SuspiciousTransactionReport.objects.visible_to(user).select_related(
            "case", "case__customer", "prepared_by", "approved_by", "filed_by"
        ),
        pk=pk,
    )


def case_transactions(case: Case, params: Any = None) -> QuerySet[Any]:
    """The case's transactions (its customer's, linked ones), filtered by the evidence form."""
    from clientdesk.transactions.filtersets import TransactionFilterSet
    from clientdesk.transactions.models import Transaction

    base = Transaction.objects.for_list().filter(cases=case)
    if not params:
        return base
    filterset = TransactionFilterSet(params, queryset=base)
    return filterset.qs if filterset.is_valid() else base.none()


def queue_ageing(user: Any) -> dict[str, int]:
    """Open cases by age: under 7 days, 7-30 days, over 30 days, and overdue."""
    now = timezone.now()
    week, month = now - dt.timedelta(days=7), now - dt.timedelta(days=30)
    return (
        Case.objects.visible_to(user)
        .filter(status__in=OPEN_CASE_STATUSES)
        .aggregate(
            fresh=Count("pk", filter=Q(created_at__gte=week)),
            week=Count("pk", filter=Q(created_at__lt=week, created_at__gte=month)),
            old=Count("pk", filter=Q(created_at__lt=month)),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
        )
    )


def case_officers() -> list[Any]:
    writers = Q(
        role__module_access__module=Module.CASES, role__module_access__level__gte=Access.WRITE
    )
    return list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(writers | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


def ctr_rows(user: Any, month: Any = None) -> QuerySet[CashTransactionReport]:
    qs = (
        CashTransactionReport.objects.visible_to(user)
        .select_related("customer")
        .defer(*[f"customer__{f}" for f in _secrets()])
    )
    return qs.filter(month=month) if month else qs


def _secrets() -> tuple[str, ...]:
    from clientdesk.customers.models import SENSITIVE_FIELDS

    return tuple(SENSITIVE_FIELDS)
