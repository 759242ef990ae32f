from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clientdesk.core.api import ModulePermission
from clientdesk.customers.models import Customer
from clientdesk.customers.selectors import customer_for

from .. import services
from ..filtersets import ScreeningHitFilterSet
from ..models import MODULE, HitStatus, ListVersion, RiskProfile, ScreeningHit
from .serializers import (
    HitDecisionSerializer,
    ListVersionSerializer,
    RiskOverrideSerializer,
    RiskProfileSerializer,
    ScreeningHitDetailSerializer,
    ScreeningHitSerializer,
)


class ScreeningHitViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Screening hits: the same filters (`status`, `screening_list`, `q` ...) and ordering
    (`sort`) as the queue page. Confirming or dismissing needs Compliance "Read & Write"
    and a reason."""

    module = MODULE
    permission_classes = [ModulePermission]
    filterset_class = ScreeningHitFilterSet

    def get_queryset(self) -> QuerySet[ScreeningHit]:
        queryset = ScreeningHit.objects.visible_to(self.request.user).for_list()
        if self.action != "list":
            queryset = queryset.select_related("entry")
        return queryset

    def get_serializer_class(self) -> Any:
        return ScreeningHitSerializer if self.action == "list" else ScreeningHitDetailSerializer

    def _decide(self, request: Request, to_status: str) -> Response:
        hit = self.get_object()
        body = HitDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.decide_hit(
            hit, actor=request.user, to_status=to_status, reason=body.validated_data["reason"]
        )
        fresh = self.get_queryset().get(pk=hit.pk)
        return Response(ScreeningHitDetailSerializer(fresh).data)

    @extend_schema(request=HitDecisionSerializer, responses=ScreeningHitDetailSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, HitStatus.CONFIRMED)

    @extend_schema(request=HitDecisionSerializer, responses=ScreeningHitDetailSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, HitStatus.DISMISSED)


class ListVersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Loaded sanctions / PEP list versions, newest first (`current=true`: in use now)."""

    module = MODULE
    permission_classes = [ModulePermission]
    serializer_class = ListVersionSerializer
    filterset_class = None

    def get_queryset(self) -> QuerySet[ListVersion]:
        queryset = ListVersion.objects.select_related("screening_list", "loaded_by").order_by(
            "-loaded_at", "-id"
        )
        if self.request.query_params.get("current") in ("true", "1"):
            queryset = queryset.filter(is_current=True)
        return queryset


class RiskProfileViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A customer's risk profile by customer id: score, level and every factor's share."""

    module = MODULE
    permission_classes = [ModulePermission]
    serializer_class = RiskProfileSerializer
    lookup_field = "customer_id"
    lookup_value_regex = r"\d+"
    filterset_class = None
    pagination_class = None

    def get_queryset(self) -> QuerySet[RiskProfile]:
        customers = Customer.objects.visible_to(self.request.user)
        return RiskProfile.objects.filter(customer__in=customers).select_related("overridden_by")

    @extend_schema(request=RiskOverrideSerializer, responses=RiskProfileSerializer)
    @action(detail=True, methods=["post"])
    def override(self, request: Request, customer_id: str | None = None) -> Response:
        customer = customer_for(request.user, int(customer_id or 0))
        body = RiskOverrideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.override_risk(
            customer,
            actor=request.user,
            level=body.validated_data["level"],
            reason=body.validated_data["reason"],
        )
        return Response(RiskProfileSerializer(self.get_queryset().get(customer=customer)).data)
