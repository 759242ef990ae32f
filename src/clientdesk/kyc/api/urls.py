"""API routes of this app, included under /api/v1/ by the project urls."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    CustomerDocumentViewSet,
    CustomerKycView,
    DocumentDecisionViewSet,
    DocumentViewSet,
    ReviewQueueViewSet,
)

router = SimpleRouter()
router.register("kyc/documents", DocumentViewSet, basename="kyc-document")
router.register("kyc/queue", ReviewQueueViewSet, basename="kyc-queue")

urlpatterns = [
    path(
        "customers/<int:customer_pk>/documents/",
        CustomerDocumentViewSet.as_view({"get": "list", "post": "create"}),
        name="customer-documents",
    ),
    path("customers/<int:customer_pk>/kyc/", CustomerKycView.as_view(), name="customer-kyc"),
    path(
        "kyc/documents/<int:pk>/decision/",
        DocumentDecisionViewSet.as_view({"post": "create"}),
        name="kyc-document-decision",
    ),
    *router.urls,
]
