from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("new/", views.CustomerCreateView.as_view(), name="create"),
    path("lookup/", views.CustomerLookupView.as_view(), name="lookup"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.CustomerEditView.as_view(), name="edit"),
    path("<int:pk>/status/", views.CustomerStatusView.as_view(), name="status"),
    path("<int:pk>/reveal/<str:field>/", views.CustomerRevealView.as_view(), name="reveal"),
    path("<int:pk>/review/", views.CustomerReviewView.as_view(), name="review"),
    path("<int:pk>/activities/new/", views.CustomerActivityView.as_view(), name="add_activity"),
    path("<int:pk>/<str:tab>/", views.CustomerDetailView.as_view(), name="tab"),
]
