"""API routes of this app, included under /api/v1/ by the project urls."""

from rest_framework.routers import SimpleRouter

from .views import TaskViewSet

router = SimpleRouter()
router.register("tasks", TaskViewSet, basename="task")

urlpatterns = router.urls
