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

from .. import lookup, services
from ..filtersets import CustomerFilterSet
from ..models import Customer
from .serializers import (
    CustomerSerializer,
    IdentifierLookupSerializer,
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
    read_actions = ("reveal", "lookup")
    serializer_class = CustomerSerializer
    permission_classes = [ModulePermission]
    filterset_class = CustomerFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Customer]:
        return Customer.objects.visible_to(self.request.user).for_list()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if lookup.looks_like_identifier(request.query_params.get("q", "")):
            error = ValidationError(lookup.IN_URL, code="identifier_in_url")
            raise ValidationError({"q": error})
        return super().list(request, *args, **kwargs)

    @extend_schema(request=IdentifierLookupSerializer, responses=CustomerSerializer(many=True))
    @action(detail=False, methods=["post"], pagination_class=None, filterset_class=None)
    def lookup(self, request: Request, **kwargs: Any) -> Response:
        """Customers whose PAN, Aadhaar or ID number is exactly ``identifier`` (sent in the
        body, never in the URL). Only for roles that may see identifiers (403 otherwise);
        every lookup is audited with the masked value."""
        body = IdentifierLookupSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        hashes = lookup.lookup_identifier(
            body.validated_data["identifier"], actor=request.user, via="api"
        )
        found = self.get_queryset().filter(lookup.hash_q(hashes))[:20]
        return Response(self.get_serializer(found, many=True).data)

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
