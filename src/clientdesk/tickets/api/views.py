from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from clientdesk.core.api import ModulePermission
from clientdesk.core.parsers import JSONParser
from clientdesk.core.views import parse_int, private_file

from .. import selectors, services
from ..filtersets import TicketFilterSet
from ..models import Ticket
from .serializers import (
    TicketAssignSerializer,
    TicketAttachmentSerializer,
    TicketAttachmentUploadSerializer,
    TicketCommentSerializer,
    TicketDetailSerializer,
    TicketSerializer,
    TicketStatusChangeSerializer,
    TicketUpdateSerializer,
)


class TicketViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Tickets: the same filters, search (`q`) and ordering (`sort`) as the list page.

    Writing needs Tickets "Read & Write"; Support users (edit scope "own") may change only
    tickets assigned to them.
    """

    module = "tickets"
    permission_classes = [ModulePermission]
    filterset_class = TicketFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self) -> QuerySet[Ticket]:
        queryset = Ticket.objects.visible_to(self.request.user).for_list()
        if self.action == "retrieve":
            queryset = queryset.select_related("survey")
        return queryset

    def get_serializer_class(self) -> Any:
        if self.action == "retrieve":
            return TicketDetailSerializer
        if self.action == "partial_update":
            return TicketUpdateSerializer
        return TicketSerializer

    def _editable(self) -> Ticket:
        ticket = self.get_object()
        if not services.can_edit(self.request.user, ticket):
            raise PermissionDenied("You may change only tickets assigned to you.")
        return ticket

    def _present(self, ticket: Ticket, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().select_related("survey").get(pk=ticket.pk)
        return Response(
            TicketDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = TicketSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        ticket = services.create_ticket(actor=request.user, data=serializer.service_data())
        return self._present(ticket, status.HTTP_201_CREATED)

    @extend_schema(request=TicketUpdateSerializer, responses=TicketDetailSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self._editable()
        body = TicketUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        ticket = services.update_ticket(ticket, actor=request.user, data=body.validated_data)
        return self._present(ticket)

    @extend_schema(request=TicketStatusChangeSerializer, responses=TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        ticket = self._editable()
        body = TicketStatusChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = services.change_status(
            ticket,
            actor=request.user,
            to_status=body.validated_data["status"],
            note=body.validated_data["note"],
        )
        return self._present(ticket)

    @extend_schema(request=TicketAssignSerializer, responses=TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        ticket = self._editable()
        body = TicketAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = services.assign(
            ticket, actor=request.user, assignees=body.validated_data["assignees"]
        )
        return self._present(ticket)

    @extend_schema(request=TicketCommentSerializer, responses={201: TicketCommentSerializer})
    @action(detail=True, methods=["post"])
    def comments(self, request: Request, pk: str | None = None) -> Response:
        ticket = self._editable()
        body = TicketCommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = services.add_comment(ticket, actor=request.user, body=body.validated_data["body"])
        return Response(TicketCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], request=None, responses=TicketAttachmentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": TicketAttachmentUploadSerializer},
        responses={201: TicketAttachmentSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def attachments(self, request: Request, pk: str | None = None) -> Response:
        if request.method == "GET":
            ticket = self.get_object()
            items = selectors.attachments(ticket)
            return Response(TicketAttachmentSerializer(items, many=True).data)
        ticket = self._editable()
        body = TicketAttachmentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attachment = services.add_attachment(
            ticket, actor=request.user, upload=body.validated_data["file"]
        )
        return Response(TicketAttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        description="The attachment's bytes (a visible ticket only; every download audited).",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_pk>[0-9]+)/download",
        pagination_class=None,
        filterset_class=None,
    )
    def download(
        self, request: Request, pk: str | None = None, attachment_pk: str | None = None
    ) -> FileResponse:
        ticket_id, attachment_id = parse_int(pk), parse_int(attachment_pk)
        if ticket_id is None or attachment_id is None:  # /tickets/abc/... matches the route
            raise NotFound()
        attachment = selectors.attachment_for(request.user, ticket_id, attachment_id)
        handle = services.open_attachment(attachment, actor=request.user)
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["Content-Length"] = str(attachment.size)  # decrypted stream: no size of its own
        return private_file(response)
