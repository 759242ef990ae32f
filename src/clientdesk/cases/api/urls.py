"""API routes of this app, included under /api/v1/ by the project urls."""

from rest_framework.routers import SimpleRouter

from .views import CaseViewSet, CtrViewSet, StrViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="case")
router.register("str-reports", StrViewSet, basename="str-report")
router.register("ctr-reports", CtrViewSet, basename="ctr-report")

urlpatterns = router.urls
