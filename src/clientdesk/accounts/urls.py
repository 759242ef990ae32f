from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("roles/", views.RoleMatrixView.as_view(), name="roles"),
    path("users/", views.UserListView.as_view(), name="users"),
    path("users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/", views.UserEditView.as_view(), name="user_edit"),
]
