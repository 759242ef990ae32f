"""``GET /api/v1/reports/<name>/``: the report's figures as JSON (Reports: read)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clientdesk.core.api import ModulePermission
from clientdesk.core.permissions import Module

from .. import periods
from ..catalogue import catalogue
from ..figures import compute
from ..forms import ReportForm
from ..views import report_named
from .serializers import ReportResultSerializer, payload


class ReportAPIView(APIView):
    module = Module.REPORTS
    permission_classes = [ModulePermission]

    @extend_schema(
        operation_id="reports_retrieve",
        summary="A report's figures for a period and grouping",
        parameters=[
            OpenApiParameter(
                "report",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=sorted(catalogue()),
                description="The report's name",
            ),
            OpenApiParameter(
                "period",
                OpenApiTypes.STR,
                enum=[k for k, _ in periods.PRESETS],
                description="Preset period (default last_30); custom needs start and end",
            ),
            OpenApiParameter("start", OpenApiTypes.DATE, description="Custom range: first day"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Custom range: last day"),
            OpenApiParameter(
                "group",
                OpenApiTypes.STR,
                description="day, week, month, or a dimension the report offers (e.g. user)",
            ),
        ],
        responses={200: ReportResultSerializer},
    )
    def get(self, request: Request, report: str) -> Response:
        spec = report_named(report)
        params = request.query_params.copy()
        params.setdefault("period", periods.DEFAULT)
        params.setdefault("group", spec.default_grouping)
        form = ReportForm(params, report=spec)
        if not form.is_valid():
            raise serializers.ValidationError(
                {k: [str(e) for e in v] for k, v in form.errors.items()}
            )
        result = compute(spec, form.chosen_period, form.grouping, request.user)
        return Response(ReportResultSerializer(payload(result)).data)
