from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clientdesk.core.api import ModulePermission
from clientdesk.customers.models import Customer
from clientdesk.customers.selectors import customer_for

from .. import inbound, services
from ..filtersets import MessageFilterSet
from ..models import Message
from .serializers import (
    CommsDeviceSerializer,
    DeliveredSerializer,
    InAppMessageSerializer,
    MessageSerializer,
    SendMessageSerializer,
)


class MessageViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Messages to customers: the same filters and ordering (`sort`) as the messages page.

    `POST` queues a free-text message to one customer on one channel.
    """

    module = "messages"
    serializer_class = MessageSerializer
    permission_classes = [ModulePermission]
    filterset_class = MessageFilterSet

    def get_queryset(self) -> QuerySet[Message]:
        return Message.objects.visible_to(self.request.user).for_list()

    @extend_schema(request=SendMessageSerializer, responses={201: MessageSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = SendMessageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        customer = Customer.objects.visible_to(request.user).filter(pk=data.pop("customer")).first()
        if customer is None:
            raise ValidationError({"customer": "No such customer."})
        message = services.send_message(customer, actor=request.user, **data)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DeliveredSerializer, responses=MessageSerializer)
    @action(detail=True, methods=["post"])
    def delivered(self, request: Request, pk: str | None = None) -> Response:
        """Delivery receipt from a provider, which calls with the API token of a service
        account whose role has the integration capability (the Integration role); staff
        tokens get 403. Audited."""
        message = self._receipt_target()
        body = DeliveredSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        message = services.mark_delivered(
            message,
            actor=request.user,
            provider_message_id=body.validated_data["provider_message_id"],
        )
        return Response(MessageSerializer(message).data)

    @extend_schema(request=None, responses=InAppMessageSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """The customer opened an in-app message in the app (posted by the app's service
        account, as for `delivered`; staff get 403). Audited."""
        message = services.mark_read(self._receipt_target(), actor=request.user)
        return Response(InAppMessageSerializer(message).data)

    def _receipt_target(self) -> Message:
        """Refuse staff before looking the message up (403 whether or not it exists)."""
        if not services.can_post_receipts(self.request.user):
            raise PermissionDenied("Only a provider integration may post receipts.")
        return self.get_object()


@extend_schema(
    parameters=[OpenApiParameter("customer_id", int, OpenApiParameter.PATH)],
    responses=InAppMessageSerializer(many=True),
)
class CustomerMessageList(generics.ListAPIView):
    """One customer's messages for the customer's app, e.g. `?channel=in_app`."""

    module = "messages"
    serializer_class = InAppMessageSerializer
    permission_classes = [ModulePermission]
    filterset_class = MessageFilterSet

    def get_queryset(self) -> QuerySet[Message]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no customer
            return Message.objects.none()
        customer = customer_for(self.request.user, self.kwargs["customer_id"])
        return Message.objects.visible_to(self.request.user).filter(customer=customer)


class CustomerDeviceRegister(generics.GenericAPIView):
    """The customer's app registers a device's push token (FCM registration token), with
    the API token of a service account with the integration capability. Registering the
    same token again moves it to this customer. Tokens FCM reports invalid are deleted."""

    module = "messages"
    serializer_class = CommsDeviceSerializer
    permission_classes = [ModulePermission]

    @extend_schema(
        operation_id="comms_customer_device_register",
        parameters=[OpenApiParameter("customer_id", int, OpenApiParameter.PATH)],
        request=CommsDeviceSerializer,
        responses={201: CommsDeviceSerializer},
    )
    def post(self, request: Request, customer_id: int) -> Response:
        if not services.can_post_receipts(request.user):
            raise PermissionDenied("Only the app's integration account may register devices.")
        customer = customer_for(request.user, customer_id)
        body = CommsDeviceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        device = inbound.register_device(customer, actor=request.user, **body.validated_data)
        return Response(CommsDeviceSerializer(device).data, status=status.HTTP_201_CREATED)
