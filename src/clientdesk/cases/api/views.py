"""REST API of cases and regulatory reports (read): the list shares the page's FilterSet."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from clientdesk.core.api import ModulePermission
from clientdesk.core.permissions import Module

from ..filtersets import CaseFilterSet
from ..models import Case, CashTransactionReport, SuspiciousTransactionReport
from . import serializers as s


@extend_schema_view(
    list=extend_schema(operation_id="cases_list", summary="Investigation cases"),
    retrieve=extend_schema(operation_id="cases_retrieve", summary="A case with its timeline"),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases with the list page's filters (`q`, `status`, `open`, `priority`, `outcome`,
    `overdue`, `assigned_to`, `customer`, dates, `sort`)."""

    module = Module.CASES
    permission_classes = [ModulePermission]
    filterset_class = CaseFilterSet

    def get_queryset(self) -> QuerySet[Case]:
        qs = Case.objects.visible_to(self.request.user).for_list()
        if self.action == "retrieve":
            qs = qs.prefetch_related("events__author", "alerts", "hits")
        return qs

    def get_serializer_class(self) -> Any:
        return s.CaseDetailSerializer if self.action == "retrieve" else s.CaseSerializer


@extend_schema_view(
    list=extend_schema(operation_id="case_strs_list", summary="Suspicious transaction reports"),
    retrieve=extend_schema(operation_id="case_strs_retrieve", summary="One STR"),
)
class StrViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    module = Module.CASES
    permission_classes = [ModulePermission]
    serializer_class = s.CaseStrSerializer

    def get_queryset(self) -> QuerySet[SuspiciousTransactionReport]:
        return SuspiciousTransactionReport.objects.visible_to(self.request.user).order_by(
            "-created_at", "-id"
        )


@extend_schema_view(
    list=extend_schema(operation_id="case_ctrs_list", summary="Cash transaction report rows"),
    retrieve=extend_schema(operation_id="case_ctrs_retrieve", summary="One CTR row"),
)
class CtrViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    module = Module.CASES
    permission_classes = [ModulePermission]
    serializer_class = s.CaseCtrSerializer

    def get_queryset(self) -> QuerySet[CashTransactionReport]:
        return CashTransactionReport.objects.visible_to(self.request.user).order_by(
            "-month", "-total", "id"
        )
