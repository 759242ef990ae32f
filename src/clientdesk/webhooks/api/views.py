from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from clientdesk.core.api import ModulePermission

from .. import services
from ..filtersets import DeliveryFilterSet
from ..models import MODULE, WebhookDelivery, WebhookEndpoint
from .serializers import (
    WebhookDeliveryDetailSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointSecretSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointWriteSerializer,
)


@extend_schema_view(
    list=extend_schema(operation_id="webhooks_endpoints_list"),
    retrieve=extend_schema(operation_id="webhooks_endpoints_retrieve"),
    destroy=extend_schema(operation_id="webhooks_endpoints_destroy"),
)
class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Webhook endpoints (Integrations module). `POST` answers with the signing secret once;
    `rotate-secret` issues a new one (the old one keeps signing during the overlap)."""

    module = MODULE
    serializer_class = WebhookEndpointSerializer
    permission_classes = [ModulePermission]
    queryset = WebhookEndpoint.objects.none()

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return WebhookEndpoint.objects.visible_to(self.request.user).order_by("id")

    @extend_schema(
        operation_id="webhooks_endpoints_create",
        request=WebhookEndpointWriteSerializer,
        responses={201: WebhookEndpointSecretSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = WebhookEndpointWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        endpoint = services.create_endpoint(actor=request.user, data=body.validated_data)
        return Response(
            WebhookEndpointSecretSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        operation_id="webhooks_endpoints_partial_update",
        request=WebhookEndpointWriteSerializer,
        responses=WebhookEndpointSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        body = WebhookEndpointWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        endpoint = services.update_endpoint(endpoint, actor=request.user, data=body.validated_data)
        return Response(WebhookEndpointSerializer(endpoint).data)

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        services.delete_endpoint(instance, actor=self.request.user)

    @extend_schema(
        operation_id="webhooks_endpoints_rotate_secret",
        request=None,
        responses=WebhookEndpointSecretSerializer,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        endpoint = services.rotate_secret(self.get_object(), actor=request.user)
        return Response(WebhookEndpointSecretSerializer(endpoint).data)


@extend_schema_view(
    list=extend_schema(operation_id="webhooks_deliveries_list"),
    retrieve=extend_schema(operation_id="webhooks_deliveries_retrieve"),
)
class WebhookDeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The delivery log: the same filters and ordering (`sort`) as the page."""

    module = MODULE
    permission_classes = [ModulePermission]
    filterset_class = DeliveryFilterSet
    queryset = WebhookDelivery.objects.none()

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        queryset = WebhookDelivery.objects.visible_to(self.request.user)
        if self.action == "retrieve":
            return queryset.prefetch_related("log")
        return queryset.defer("body", "response_body")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action in ("retrieve", "resend"):
            return WebhookDeliveryDetailSerializer
        return WebhookDeliverySerializer

    @extend_schema(
        operation_id="webhooks_deliveries_resend",
        request=None,
        responses=WebhookDeliverySerializer,
    )
    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk: str | None = None) -> Response:
        delivery = services.resend(self.get_object(), actor=request.user)
        return Response(WebhookDeliverySerializer(delivery).data)
