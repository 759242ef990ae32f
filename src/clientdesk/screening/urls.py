from django.urls import path

from . import views

app_name = "screening"

urlpatterns = [
    path("", views.HitListView.as_view(), name="hits"),
    path("hits/<int:pk>/", views.HitDetailView.as_view(), name="hit"),
    path("lists/", views.ListVersionsView.as_view(), name="lists"),
    path("lists/rescreen/", views.RescreenView.as_view(), name="rescreen"),
    path("customers/<int:pk>/screen/", views.ScreenCustomerView.as_view(), name="screen"),
    path("customers/<int:pk>/override/", views.OverrideView.as_view(), name="override"),
    path("customers/<int:pk>/recompute/", views.RecomputeView.as_view(), name="recompute"),
]
