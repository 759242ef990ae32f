"""API routes of this app, included under /api/v1/ by the project urls."""

from rest_framework.routers import SimpleRouter

from .views import ListVersionViewSet, RiskProfileViewSet, ScreeningHitViewSet

router = SimpleRouter()
router.register("screening/hits", ScreeningHitViewSet, basename="screening-hit")
router.register("screening/lists", ListVersionViewSet, basename="screening-list-version")
router.register("risk-profiles", RiskProfileViewSet, basename="risk-profile")

urlpatterns = router.urls
