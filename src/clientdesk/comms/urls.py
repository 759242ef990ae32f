from django.urls import path

from . import views

app_name = "comms"

urlpatterns = [
    path("", views.MessageListView.as_view(), name="list"),
    path("<int:pk>/", views.MessageDetailView.as_view(), name="detail"),
    path("templates/", views.TemplateListView.as_view(), name="templates"),
    path("templates/<int:pk>/", views.TemplateEditView.as_view(), name="template_edit"),
    path("customers/<int:pk>/send/", views.CustomerSendView.as_view(), name="send"),
    path(
        "customers/<int:pk>/preferences/",
        views.CustomerPreferencesView.as_view(),
        name="preferences",
    ),
]
