from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [path("roles/", views.RoleMatrixView.as_view(), name="roles")]
