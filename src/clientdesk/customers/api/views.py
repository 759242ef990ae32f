from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clientdesk.core.api import ModulePermission

from .. import services
from ..filtersets import CustomerFilterSet
from ..models import Customer
from .serializers import (
    CustomerSerializer,
    RevealResultSerializer,
    RevealSerializer,
    StatusChangeSerializer,
)


class CustomerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Customers: the same filters, search (`q`) and ordering (`sort`) as the list page."""

    module = "customers"
    read_actions = ("reveal",)
    serializer_class = CustomerSerializer
    permission_classes = [ModulePermission]
    filterset_class = CustomerFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Customer]:
        return Customer.objects.visible_to(self.request.user).for_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer = services.register_customer(actor=request.user, data=serializer.service_data())  # type: ignore[attr-defined]
        return Response(self.get_serializer(customer).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self.get_object()
        serializer = self.get_serializer(customer, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        customer = services.update_customer(
            customer,
            actor=request.user,
            data=serializer.service_data(),  # type: ignore[attr-defined]
        )
        return Response(self.get_serializer(customer).data)

    @extend_schema(request=StatusChangeSerializer, responses=CustomerSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        customer = self.get_object()
        body = StatusChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = services.change_status(
            customer,
            actor=request.user,
            to_status=body.validated_data["status"],
            reason=body.validated_data["reason"],
        )
        return Response(self.get_serializer(customer).data)

    @extend_schema(request=RevealSerializer, responses=RevealResultSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None, **kwargs: Any) -> Response:
        customer = self.get_object()
        body = RevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        field = body.validated_data["field"]
        value = services.reveal(customer, actor=request.user, field=field)
        return Response({"field": field, "value": value})
