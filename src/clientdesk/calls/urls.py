from django.urls import path

from . import views

app_name = "calls"

urlpatterns = [
    path("", views.CallListView.as_view(), name="list"),
    path("new/", views.CallCreateView.as_view(), name="create"),
    path("customer/<int:pk>/log/", views.CustomerCallView.as_view(), name="log_customer_call"),
    path("customer/<int:pk>/whatsapp/", views.WhatsAppLogView.as_view(), name="log_whatsapp"),
]
