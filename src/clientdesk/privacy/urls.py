from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.RequestListView.as_view(), name="list"),
    path("new/", views.RequestCreateView.as_view(), name="create"),
    path("<int:pk>/", views.RequestDetailView.as_view(), name="detail"),
    path("<int:pk>/verify/", views.RequestVerifyView.as_view(), name="verify"),
    path("<int:pk>/status/", views.RequestStatusView.as_view(), name="status"),
    path("<int:pk>/export/", views.RequestExportView.as_view(), name="export"),
    path("exports/<str:token>/", views.ExportDownloadView.as_view(), name="download"),
    path("consent/<int:pk>/", views.ConsentCreateView.as_view(), name="consent"),
    path("breaches/", views.BreachListView.as_view(), name="breaches"),
    path("breaches/new/", views.BreachCreateView.as_view(), name="breach_create"),
    path("breaches/<int:pk>/", views.BreachDetailView.as_view(), name="breach"),
    path("breaches/<int:pk>/status/", views.BreachStatusView.as_view(), name="breach_status"),
]
