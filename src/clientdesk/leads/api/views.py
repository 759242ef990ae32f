from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clientdesk.core.api import ModulePermission
from clientdesk.customers.api.serializers import CustomerSerializer

from .. import services
from ..filtersets import LeadFilterSet
from ..models import Lead
from .serializers import (
    BulkAssignSerializer,
    BulkResultSerializer,
    BulkStatusSerializer,
    LeadSerializer,
    LeadStatusSerializer,
)


class LeadViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Leads: the same filters, search (`q`) and ordering (`sort`) as the list page."""

    module = "leads"
    serializer_class = LeadSerializer
    permission_classes = [ModulePermission]
    filterset_class = LeadFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Lead]:
        return Lead.objects.visible_to(self.request.user).for_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = services.create_lead(actor=request.user, data=serializer.service_data())  # type: ignore[attr-defined]
        return Response(self.get_serializer(lead).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        lead = self.get_object()
        serializer = self.get_serializer(lead, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        lead = services.update_lead(
            lead,
            actor=request.user,
            data=serializer.service_data(),  # type: ignore[attr-defined]
        )
        return Response(self.get_serializer(lead).data)

    @extend_schema(request=LeadStatusSerializer, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        lead = self.get_object()
        body = LeadStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lead = services.change_lead_status(
            lead,
            actor=request.user,
            to_status=body.validated_data["status"],
            note=body.validated_data.get("note", ""),
        )
        return Response(self.get_serializer(lead).data)

    @extend_schema(request=None, responses={201: CustomerSerializer})
    @action(detail=True, methods=["post"])
    def convert(self, request: Request, pk: str | None = None) -> Response:
        """Create the customer (Pending) from this lead; answers with the new customer."""
        lead = self.get_object()
        customer = services.convert_lead(lead, actor=request.user)
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BulkStatusSerializer, responses=BulkResultSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-status")
    def bulk_status(self, request: Request) -> Response:
        """Move every listed lead to one status, or none of them (400 lists the failures)."""
        body = BulkStatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        leads = services.bulk_change_status(
            data["ids"], actor=request.user, to_status=data["status"], note=data.get("note", "")
        )
        return Response({"updated": len(leads), "ids": [lead.pk for lead in leads]})

    @extend_schema(request=BulkAssignSerializer, responses=BulkResultSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-assign")
    def bulk_assign(self, request: Request) -> Response:
        """Give every listed lead to one owner, or none of them."""
        body = BulkAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        leads = services.bulk_assign(data["ids"], actor=request.user, owner=data["owner"])
        return Response({"updated": len(leads), "ids": [lead.pk for lead in leads]})
