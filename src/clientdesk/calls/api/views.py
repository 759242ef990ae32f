from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clientdesk.core.api import ModulePermission
from clientdesk.core.permissions import Module

from .. import services
from ..filtersets import CallFilterSet
from ..models import CallLog, CallSource
from .serializers import CallInputSerializer, CallLogSerializer, IntakeResultSerializer


class CallLogViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Call logs: the same filters (`period`, `direction`, `status`, `staff`, `is_cold_call`,
    number search `q`) and ordering (`sort`) as the list page. Sales and Support users see the
    calls they made or took."""

    module = Module.CALLS
    serializer_class = CallLogSerializer
    permission_classes = [ModulePermission]
    filterset_class = CallFilterSet

    def get_queryset(self) -> QuerySet[CallLog]:
        return CallLog.objects.visible_to(self.request.user)

    @extend_schema(request=CallInputSerializer, responses={201: CallLogSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        call, created = services.log_call(
            actor=request.user, data=request.data, source=CallSource.API
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(call).data, status=code)

    @extend_schema(
        request=CallInputSerializer(many=True),
        responses={200: IntakeResultSerializer},
        summary="Store a batch of calls from a dialer or phone app",
        description=(
            f"A JSON list of up to {services.MAX_BATCH:,} calls, each with a `device_call_id` "
            "(unique per `device_id`). Idempotent: calls already stored are reported under "
            "`existing` and change nothing. Rows with errors are reported by `index` with "
            "their field errors; the good rows are stored."
        ),
    )
    @action(detail=False, methods=["post"])
    def intake(self, request: Request) -> Response:
        rows = request.data
        result = services.intake_calls(actor=request.user, rows=rows)
        return Response(result.as_dict(len(rows)))
