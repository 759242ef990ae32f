"""API routes of this app, included under /api/v1/ by the project urls."""

from rest_framework.routers import SimpleRouter

from .views import CallLogViewSet

router = SimpleRouter()
router.register("calls", CallLogViewSet, basename="call")

urlpatterns = router.urls
