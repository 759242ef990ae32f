from django.urls import path

from . import views

app_name = "kyc"

urlpatterns = [
    path("", views.ReviewQueueView.as_view(), name="queue"),
    path("overview/", views.OverviewView.as_view(), name="overview"),
    path("review/<int:pk>/", views.ReviewView.as_view(), name="review"),
    path("customers/<int:pk>/upload/", views.UploadView.as_view(), name="upload"),
    path("documents/<int:pk>/download/", views.DownloadView.as_view(), name="download"),
    path("documents/<int:pk>/preview/", views.PreviewView.as_view(), name="preview"),
    path("documents/<int:pk>/pages/<int:page>/", views.PageView.as_view(), name="page"),
    path("documents/<int:pk>/decision/", views.DecisionView.as_view(), name="decide"),
]
