"""API routes of this app, included under /api/v1/ by the project urls."""

from django.urls import path

from .views import ReportAPIView

urlpatterns = [path("reports/<slug:report>/", ReportAPIView.as_view(), name="report-api")]
