from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.HealthView.as_view(), name="health"),
    path("webhooks/new/", views.EndpointCreateView.as_view(), name="endpoint_new"),
    path("webhooks/<int:pk>/", views.EndpointDetailView.as_view(), name="endpoint"),
    path("webhooks/<int:pk>/edit/", views.EndpointEditView.as_view(), name="endpoint_edit"),
    path("webhooks/<int:pk>/rotate/", views.EndpointRotateView.as_view(), name="endpoint_rotate"),
    path("webhooks/<int:pk>/delete/", views.EndpointDeleteView.as_view(), name="endpoint_delete"),
    path("deliveries/", views.DeliveryListView.as_view(), name="deliveries"),
    path("deliveries/<int:pk>/", views.DeliveryDetailView.as_view(), name="delivery"),
    path("deliveries/<int:pk>/resend/", views.DeliveryResendView.as_view(), name="resend"),
]
