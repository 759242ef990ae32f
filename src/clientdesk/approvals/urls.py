from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("", views.InboxView.as_view(), name="inbox"),
    path("<int:pk>/", views.RequestDetailView.as_view(), name="detail"),
    path("settings/", views.PolicyView.as_view(), name="policies"),
    path("reverification/", views.ReverificationQueueView.as_view(), name="reverification"),
]
