"""The signed-in user's own pages: /account/."""

from django.urls import path

from . import auth_views

app_name = "account"

urlpatterns = [
    path("", auth_views.AccountView.as_view(), name="home"),
    path("two-factor/", auth_views.EnrolView.as_view(), name="two_factor"),
]
