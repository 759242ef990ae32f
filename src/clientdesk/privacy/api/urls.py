"""API routes of this app, included under /api/v1/ by the project urls."""

from rest_framework.routers import SimpleRouter

from .views import PrivacyBreachViewSet, PrivacyRequestViewSet

router = SimpleRouter()
router.register("privacy-requests", PrivacyRequestViewSet, basename="privacy-request")
router.register("privacy-breaches", PrivacyBreachViewSet, basename="privacy-breach")

urlpatterns = router.urls
