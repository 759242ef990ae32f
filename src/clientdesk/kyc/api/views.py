"""KYC API: a customer's documents (list, multipart upload), a document with its check
results, its download, the reviewers' decisions, the customer's KYC status and the queue."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clientdesk.core.api import ModulePermission
from clientdesk.core.parsers import JSONParser
from clientdesk.core.views import private_file
from clientdesk.customers.models import Customer
from clientdesk.customers.selectors import customer_for

from .. import selectors, services
from ..access import REFUSED, may_open
from ..filtersets import DocumentFilterSet, ReviewQueueFilterSet
from ..models import Document, KycStatusChange
from .serializers import (
    DecisionSerializer,
    DocumentCheckSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    KycSummarySerializer,
    ReviewQueueSerializer,
)


class CustomerDocumentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """A customer's KYC documents; POST uploads one file (multipart: ``file``, ``kind``).

    A refused file answers 400 with a ``file`` error and keeps nothing. The automatic
    checks run in the background: ``check_outcome`` is ``pending`` until they finish.
    """

    module = "documents"
    permission_classes = [ModulePermission]
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilterSet
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    pagination_class = None

    def customer(self) -> Customer:
        return customer_for(self.request.user, self.kwargs["customer_pk"])

    def get_queryset(self) -> QuerySet[Document]:
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        return selectors.customer_documents(self.customer(), self.request.user)

    @extend_schema(
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self.customer()
        if not services.can_upload(request.user, customer):
            raise PermissionDenied("You may add documents only for customers assigned to you.")
        body = DocumentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        document = services.upload_document(
            customer,
            actor=request.user,
            upload=body.validated_data["file"],
            kind=body.validated_data["kind"],
        )
        fresh = Document.objects.for_list().get(pk=document.pk)
        created = DocumentSerializer(fresh, context=self.get_serializer_context()).data
        return Response(created, status=status.HTTP_201_CREATED)


class DocumentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One document with its check results; ``download`` gives its bytes (audited)."""

    module = "documents"
    permission_classes = [ModulePermission]
    serializer_class = DocumentSerializer
    filterset_class = None

    def get_queryset(self) -> QuerySet[Document]:
        return Document.objects.visible_to(self.request.user).for_list()

    @extend_schema(responses=DocumentCheckSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def checks(self, request: Request, pk: str | None = None) -> Response:
        document = self.get_object()
        return Response(DocumentCheckSerializer(document.checks.all(), many=True).data)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)}
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str | None = None) -> FileResponse:
        document = self.get_object()
        if not may_open(request.user, document):
            raise PermissionDenied(REFUSED)
        handle = services.open_document(document, actor=request.user, purpose="download")
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )
        response["Content-Length"] = str(document.size)  # decrypted stream: no size of its own
        return private_file(response)


class DocumentDecisionViewSet(viewsets.GenericViewSet):
    """A compliance officer's decision on one document (four eyes: 403 for the customer's
    registrar and the document's uploader)."""

    module = "compliance"
    permission_classes = [ModulePermission]
    serializer_class = DecisionSerializer

    def get_queryset(self) -> QuerySet[Document]:
        return Document.objects.visible_to(self.request.user)

    @extend_schema(request=DecisionSerializer, responses=DocumentSerializer)
    def create(self, request: Request, pk: str | None = None) -> Response:
        document = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.decide_document(document, actor=request.user, **body.validated_data)
        fresh = Document.objects.for_list().get(pk=document.pk)
        return Response(DocumentSerializer(fresh, context={"request": request}).data)


class CustomerKycView(APIView):
    """The customer's KYC status, the required documents' state and the status history."""

    module = "documents"
    permission_classes = [ModulePermission]

    @extend_schema(responses=KycSummarySerializer)
    def get(self, request: Request, customer_pk: int) -> Response:
        customer = customer_for(request.user, customer_pk)
        docs = list(selectors.customer_documents(customer, request.user))
        required = [
            {
                "kind": row["kind"],
                "document": row["document"].pk if row["document"] else None,
                "review_status": row["document"].review_status if row["document"] else None,
            }
            for row in selectors.required_documents(docs)
        ]
        history = KycStatusChange.objects.filter(customer=customer).select_related("actor")[:50]
        return Response(
            KycSummarySerializer(
                {
                    "customer": customer.pk,
                    "kyc_status": customer.kyc_status,
                    "documents": required,
                    "history": list(history),
                }
            ).data
        )


class ReviewQueueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Customers awaiting KYC review: the same filters and order as the queue page."""

    module = "compliance"
    permission_classes = [ModulePermission]
    serializer_class = ReviewQueueSerializer
    filterset_class = ReviewQueueFilterSet

    def get_queryset(self) -> QuerySet[Customer]:
        return selectors.review_queue(self.request.user)
