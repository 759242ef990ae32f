from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportIndexView.as_view(), name="index"),
    path("<slug:report>/", views.ReportView.as_view(), name="report"),
    path("<slug:report>/export/<slug:fmt>/", views.ReportExportView.as_view(), name="export"),
]
