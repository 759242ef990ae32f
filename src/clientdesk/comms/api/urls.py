"""API routes of this app, included under /api/v1/ by the project urls."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .views import CustomerDeviceRegister, CustomerMessageList, MessageViewSet

router = SimpleRouter()
router.register("messages", MessageViewSet, basename="message")

urlpatterns = [
    path(
        "customers/<int:customer_id>/messages/",
        CustomerMessageList.as_view(),
        name="customer-messages",
    ),
    path(
        "customers/<int:customer_id>/devices/",
        CustomerDeviceRegister.as_view(),
        name="customer-devices",
    ),
    *router.urls,
    # Staff notifications live in their own app; their routes ride along here so the
    # project urls need no change.
    path("", include("clientdesk.notifications.api.urls")),
]
