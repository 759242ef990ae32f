"""API routes of this app, included under /api/v1/ by the project urls."""

urlpatterns: list = []
