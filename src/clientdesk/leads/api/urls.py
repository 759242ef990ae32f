"""API routes of this app, included under /api/v1/ by the project urls."""

from rest_framework.routers import SimpleRouter

from .views import LeadViewSet

router = SimpleRouter()
router.register("leads", LeadViewSet, basename="lead")

urlpatterns = router.urls
