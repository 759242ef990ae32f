"""API routes of this app, included under /api/v1/ by the project urls."""

from rest_framework.routers import SimpleRouter

from .views import (
    AccountViewSet,
    AlertViewSet,
    DeviceViewSet,
    MerchantViewSet,
    RuleViewSet,
    TransactionViewSet,
)

router = SimpleRouter()
router.register("transactions", TransactionViewSet, basename="transaction")
router.register("merchants", MerchantViewSet, basename="merchant")
router.register("devices", DeviceViewSet, basename="device")
router.register("accounts", AccountViewSet, basename="account")
router.register("alerts", AlertViewSet, basename="alert")
router.register("rules", RuleViewSet, basename="monitoring-rule")

urlpatterns = router.urls
