"""REST API of transactions and monitoring. Thin: parse, authorize (``ModulePermission``),
call the intake or a service, present the result."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from clientdesk.core.api import ModulePermission, request_object
from clientdesk.core.parsers import JSONParser
from clientdesk.core.permissions import Module

from .. import analytics, currencies, intake, services
from ..filtersets import (
    AccountFilterSet,
    AlertFilterSet,
    DeviceFilterSet,
    MerchantFilterSet,
    RuleFilterSet,
    TransactionFilterSet,
)
from ..models import Account, Alert, AlertNote, Device, Merchant, Rule, Transaction
from . import serializers as s


class DecimalJSONParser(JSONParser):
    """JSON with numbers parsed as Decimal: an amount sent as 1250.10 stays exact."""

    def load(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(stream.read().decode(encoding), parse_float=Decimal)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc


def _flag(request: Request, name: str) -> bool:
    value = request.query_params.get(name) or (
        request.data.get(name) if hasattr(request.data, "get") else None
    )
    return str(value).lower() in ("1", "true", "yes", "on")


class MerchantViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Merchants seen in transactions (created on first sight by the intake)."""

    module = Module.TRANSACTIONS
    serializer_class = s.MerchantSerializer
    permission_classes = [ModulePermission]
    filterset_class = MerchantFilterSet
    # Flagging a merchant is a monitoring decision: the service requires Monitoring write.
    read_actions = ("risk",)

    def get_queryset(self) -> QuerySet[Merchant]:
        return Merchant.objects.visible_to(self.request.user)

    @extend_schema(
        request=s.MerchantRiskSerializer,
        responses={200: s.MerchantSerializer},
        summary="Flag or clear a merchant's high-risk flag (Monitoring: write)",
    )
    @action(detail=True, methods=["post"])
    def risk(self, request: Request, pk: str) -> Response:
        merchant = self.get_object()
        data = s.MerchantRiskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        merchant = services.set_merchant_risk(
            merchant,
            data.validated_data["is_high_risk"],
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(s.MerchantSerializer(merchant).data)


class DeviceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Devices (phones, POS terminals, cards, browsers) and the customers they served."""

    module = Module.TRANSACTIONS
    permission_classes = [ModulePermission]
    filterset_class = DeviceFilterSet

    def get_queryset(self) -> QuerySet[Device]:
        qs = Device.objects.visible_to(self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related("customer_links")
        return qs

    def get_serializer_class(self) -> Any:
        return s.DeviceDetailSerializer if self.action == "retrieve" else s.DeviceSerializer

    def _status(self, request: Request, new: str) -> Response:
        device = self.get_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device = services.set_device_status(
            device, new, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(s.DeviceSerializer(device).data)

    @extend_schema(
        request=s.ReasonSerializer,
        responses={200: s.DeviceSerializer},
        summary="Block a device: its later transactions are stored failed",
    )
    @action(detail=True, methods=["post"])
    def block(self, request: Request, pk: str) -> Response:
        return self._status(request, "blocked")

    @extend_schema(
        request=s.ReasonSerializer,
        responses={200: s.DeviceSerializer},
        summary="Trust a blocked device again",
    )
    @action(detail=True, methods=["post"])
    def trust(self, request: Request, pk: str) -> Response:
        return self._status(request, "trusted")


class AccountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Customers' wallet and trading accounts with their ledger balances (read only).
    Filter with ``customer=<id>``."""

    module = Module.TRANSACTIONS
    serializer_class = s.AccountSerializer
    permission_classes = [ModulePermission]

    filterset_class = AccountFilterSet

    def get_queryset(self) -> QuerySet[Account]:
        return Account.objects.visible_to(self.request.user).order_by("id")


# A refused intake: the batch report (atomic=true), or field errors (one transaction, a bad file).
INTAKE_REFUSED = {
    "oneOf": [
        {"$ref": "#/components/schemas/TransactionIntakeResult"},
        {"$ref": "#/components/schemas/ValidationError"},
    ]
}

_BATCH_DOC = (
    "One transaction (a JSON object) or a batch (a JSON list of up to "
    "TRANSACTION_MAX_BATCH, default 5,000). Idempotent by (`source`, `transaction_id`): "
    "a transaction already stored with the same status is reported under `existing` and "
    "changes nothing; with a new status it is a status change (pending -> successful/failed, "
    "successful -> reversed). Bad rows are reported by `index` and `row` with field errors "
    "while the good ones are stored; with `?atomic=true` one bad row stores nothing (400). "
    "A customer who is not Active or a blocked device stores the transaction as failed with "
    "the reason and raises an alert; a debit beyond balance + overdraft is stored failed "
    "(Insufficient funds)."
)


class TransactionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Transactions with the same filters as the pages (`period`, `occurred_after` /
    `occurred_before`, `status`, `type`, `direction`, `channel`, `merchant`, `device`,
    `currency`, `amount_min` / `amount_max`, `customer`, `q` = transaction id, `sort`)."""

    module = Module.TRANSACTIONS
    serializer_class = s.TransactionSerializer
    permission_classes = [ModulePermission]
    filterset_class = TransactionFilterSet
    parser_classes = [DecimalJSONParser]
    read_actions = ("analytics",)

    def get_queryset(self) -> QuerySet[Transaction]:
        return Transaction.objects.visible_to(self.request.user).for_list()

    @extend_schema(
        request=s.TransactionInputSerializer,
        responses={
            201: s.TransactionSerializer,
            200: s.TransactionIntakeResultSerializer,
            400: INTAKE_REFUSED,
        },
        parameters=[
            OpenApiParameter("atomic", OpenApiTypes.BOOL),
            OpenApiParameter(
                "source", OpenApiTypes.STR, description="Default source of the rows (default api)."
            ),
        ],
        summary="Store one transaction or a batch",
        description=_BATCH_DOC + " A single object answers with the stored transaction "
        "(201 new, 200 already stored); a list answers with the intake report.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        source = request.query_params.get("source") or "api"
        if isinstance(request.data, dict):
            return self._create_one(request, source)
        return self._intake(request, request.data, source=source, first_row=1)

    def _create_one(self, request: Request, source: str) -> Response:
        try:
            result = intake.intake_transactions(
                [request.data], actor=request.user, source=source, atomic=True
            )
        except intake.BatchRejected as exc:
            raise ValidationError(exc.result.errors[0]["errors"]) from None
        if result.errors:
            raise ValidationError(result.errors[0]["errors"])
        entry = (result.created or result.updated or result.existing)[0]
        tx = self.get_queryset().get(pk=entry["id"])
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(self.get_serializer(tx).data, status=code)

    def _intake(self, request: Request, rows: Any, *, source: str, first_row: int) -> Response:
        try:
            result = intake.intake_transactions(
                rows,
                actor=request.user,
                source=source,
                atomic=_flag(request, "atomic"),
                first_row=first_row,
            )
        except intake.BatchRejected as exc:
            return Response(exc.result.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        return Response(result.as_dict())

    @extend_schema(
        request={"multipart/form-data": s.CsvUploadSerializer},
        responses={
            200: s.TransactionIntakeResultSerializer,
            400: INTAKE_REFUSED,
        },
        summary="Upload a CSV file of transactions",
        description="Columns: " + ", ".join(intake.CSV_COLUMNS) + ". Rows are numbered by "
        "their line in the file (the header is line 1). " + _BATCH_DOC,
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request: Request) -> Response:
        form = s.CsvUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        if upload.size > 50 * 1024 * 1024:
            raise ValidationError({"file": "Upload at most 50 MB at a time."})
        try:
            rows = intake.rows_from_csv(upload.read())
        except UnicodeDecodeError:
            raise ValidationError({"file": "Save the file as UTF-8 CSV."}) from None
        source = form.validated_data.get("source") or "csv"
        return self._intake(request, rows, source=source, first_row=2)

    @extend_schema(
        parameters=[OpenApiParameter("bucket", OpenApiTypes.STR, enum=["day", "week", "month"])],
        responses={200: s.AnalyticsSerializer},
        summary="Figures for the filtered transactions (usually ?customer=<id>)",
    )
    @action(detail=False, methods=["get"])
    def analytics(self, request: Request) -> Response:
        qs = self.filter_queryset(Transaction.objects.visible_to(request.user))
        bucket = request.query_params.get("bucket", "day")
        if bucket not in analytics.BUCKETS:
            raise ValidationError({"bucket": "Choose day, week or month."})
        data = {"base_currency": currencies.base_currency(), **analytics.everything(qs, bucket)}
        return Response(s.AnalyticsSerializer(data).data)

    @extend_schema(
        request=s.ReasonSerializer,
        responses={200: s.TransactionSerializer},
        summary="Reverse a successful transaction (ledger entry undone)",
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str) -> Response:
        tx = self.get_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.reverse_transaction(tx, actor=request.user, reason=data.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=tx.pk)).data)


class RuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Monitoring rules (Admin and Compliance write). ``parameters`` per ``rule_type``."""

    module = Module.MONITORING
    serializer_class = s.RuleSerializer
    permission_classes = [ModulePermission]
    filterset_class = RuleFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Rule]:
        return Rule.objects.visible_to(self.request.user)

    @extend_schema(request=s.RuleInputSerializer, responses={201: s.RuleSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = services.create_rule(actor=request.user, data=request_object(request))
        return Response(self.get_serializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RuleInputSerializer(partial=True), responses={200: s.RuleSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = services.update_rule(
            self.get_object(), actor=request.user, data=request_object(request)
        )
        return Response(self.get_serializer(rule).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.delete_rule(self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Monitoring alerts with the queue's filters (`status`, `open`, `severity`, `kind`,
    `rule`, `rule_type`, `assigned_to`, `unassigned`, `customer`, dates, `sort`)."""

    module = Module.MONITORING
    permission_classes = [ModulePermission]
    filterset_class = AlertFilterSet

    def get_queryset(self) -> QuerySet[Alert]:
        qs = Alert.objects.visible_to(self.request.user).for_list()
        if self.action == "retrieve":
            notes = AlertNote.objects.select_related("author")
            qs = qs.prefetch_related("transactions", Prefetch("notes", queryset=notes))
        return qs

    def get_serializer_class(self) -> Any:
        return s.AlertDetailSerializer if self.action == "retrieve" else s.AlertSerializer

    def _detail(self, alert: Alert) -> Response:
        return Response(
            s.AlertDetailSerializer(
                self.get_queryset()
                .prefetch_related("transactions", "notes__author")
                .get(pk=alert.pk)
            ).data
        )

    @extend_schema(
        request=s.AlertTransitionSerializer,
        responses={200: s.AlertDetailSerializer},
        summary="Move an alert: review, escalate, dismiss or clear (with a note)",
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        alert = self.get_object()
        data = s.AlertTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.transition_alert(
            alert,
            data.validated_data["status"],
            actor=request.user,
            note=data.validated_data.get("note", ""),
        )
        return self._detail(alert)

    @extend_schema(request=s.AlertAssignSerializer, responses={200: s.AlertDetailSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        alert = self.get_object()
        data = s.AlertAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user_id = data.validated_data["assigned_to"]
        user = None
        if user_id is not None:
            user = get_user_model().objects.filter(pk=user_id).first()
            if user is None:
                raise ValidationError({"assigned_to": "No such user."})
        services.assign_alert(alert, user, actor=request.user)
        return self._detail(alert)

    @extend_schema(methods=["GET"], responses={200: s.AlertNoteSerializer(many=True)})
    @extend_schema(
        methods=["POST"], request=s.AlertNoteInputSerializer, responses={201: s.AlertNoteSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def notes(self, request: Request, pk: str) -> Response:
        alert = self.get_object()
        if request.method == "GET":
            notes = alert.notes.select_related("author")
            return Response(s.AlertNoteSerializer(notes, many=True).data)
        data = s.AlertNoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.add_alert_note(alert, actor=request.user, body=data.validated_data["body"])
        return Response(s.AlertNoteSerializer(note).data, status=status.HTTP_201_CREATED)
