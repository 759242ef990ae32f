from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clientdesk.core.api import ModulePermission
from clientdesk.core.permissions import Module
from clientdesk.customers.models import Customer
from clientdesk.leads.models import Lead

from .. import services
from ..filtersets import BreachFilterSet, DataRequestFilterSet
from ..models import Breach, DataRequest
from .serializers import (
    PrivacyBreachSerializer,
    PrivacyRequestSerializer,
    PrivacyStatusSerializer,
    PrivacyVerifySerializer,
    person_data,
)


class PrivacyRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Data-protection requests (access, correction, erasure, grievance, withdrawal of
    consent, nomination): the register's filters (`kind`, `status`, `regime`, `overdue`,
    `received_after`, `received_before`, `customer`, `lead`, `q`) and ordering (`sort`).
    Identity is verified with `verify`; `status` moves a request along its transitions."""

    module = Module.PRIVACY
    serializer_class = PrivacyRequestSerializer
    permission_classes = [ModulePermission]
    filterset_class = DataRequestFilterSet

    def get_queryset(self) -> QuerySet[DataRequest]:
        return DataRequest.objects.visible_to(self.request.user).for_list()

    @extend_schema(operation_id="privacy_requests_create")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = person_data(dict(serializer.validated_data))
        data["customer"], data["lead"] = self._person(serializer.validated_data)
        created = services.create_request(actor=request.user, data=data)
        return Response(self._present(created), status=status.HTTP_201_CREATED)

    def _person(self, validated: dict[str, Any]) -> tuple[Any, Any]:
        user = self.request.user
        customer_id, lead_id = validated.get("customer_id"), validated.get("lead_id")
        customer = lead = None
        if customer_id:
            customer = Customer.objects.visible_to(user).filter(pk=customer_id).first()
            if customer is None:
                raise ValidationError({"customer": "No such customer."})
        if lead_id:
            lead = Lead.objects.visible_to(user).filter(pk=lead_id).first()
            if lead is None:
                raise ValidationError({"lead": "No such lead."})
        return customer, lead

    @extend_schema(
        request=PrivacyVerifySerializer,
        responses=PrivacyRequestSerializer,
        operation_id="privacy_requests_verify",
    )
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        body = PrivacyVerifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = services.verify_identity(
            self.get_object(), actor=request.user, **body.validated_data
        )
        return Response(self._present(done))

    @extend_schema(
        request=PrivacyStatusSerializer,
        responses=PrivacyRequestSerializer,
        operation_id="privacy_requests_status",
    )
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        body = PrivacyStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done = services.change_status(
            self.get_object(),
            actor=request.user,
            to_status=body.validated_data["status"],
            response=body.validated_data.get("response", ""),
            evidence=body.validated_data.get("evidence", ""),
        )
        return Response(self._present(done))

    def _present(self, obj: DataRequest) -> dict[str, Any]:
        return PrivacyRequestSerializer(obj, context=self.get_serializer_context()).data


class PrivacyBreachViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The personal-data breach register (read only through the API)."""

    module = Module.PRIVACY
    serializer_class = PrivacyBreachSerializer
    permission_classes = [ModulePermission]
    filterset_class = BreachFilterSet

    def get_queryset(self) -> QuerySet[Breach]:
        return Breach.objects.visible_to(self.request.user)
