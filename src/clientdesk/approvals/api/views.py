from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clientdesk.core.api import ModulePermission
from clientdesk.core.permissions import Module

from .. import services
from ..filtersets import ApprovalRequestFilterSet
from ..models import ApprovalRequest
from .serializers import ApprovalDecisionSerializer, ApprovalRequestSerializer


class ApprovalRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Maker-checker requests (filters: `status`, `action_key`). A change the gate holds
    answers 202 with `code: pending_approval` and the request's id; a checker approves
    (the change is applied) or rejects with a reason. Makers never approve their own."""

    module = Module.APPROVALS
    serializer_class = ApprovalRequestSerializer
    permission_classes = [ModulePermission]
    filterset_class = ApprovalRequestFilterSet

    def get_queryset(self) -> QuerySet[ApprovalRequest]:
        return (
            ApprovalRequest.objects.visible_to(self.request.user)
            .select_related("maker", "checker")
            .order_by("-id")
        )

    def _decide(self, request: Request, decide: Any) -> Response:
        item = self.get_object()
        body = ApprovalDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = decide(item, actor=request.user, reason=body.validated_data.get("reason", ""))
        return Response(self.get_serializer(item).data)

    @extend_schema(
        operation_id="approvals_approve",
        request=ApprovalDecisionSerializer,
        responses=ApprovalRequestSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, services.approve)

    @extend_schema(
        operation_id="approvals_reject",
        request=ApprovalDecisionSerializer,
        responses=ApprovalRequestSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        return self._decide(request, services.reject)
