from django.urls import path

from . import hooks, views

app_name = "comms"

urlpatterns = [
    path("", views.MessageListView.as_view(), name="list"),
    path("<int:pk>/", views.MessageDetailView.as_view(), name="detail"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/<int:pk>/", views.InboundDetailView.as_view(), name="inbound"),
    path("hooks/whatsapp/", hooks.whatsapp, name="hook_whatsapp"),
    path("hooks/twilio/", hooks.twilio, name="hook_twilio"),
    path("hooks/msg91/<str:token>/", hooks.msg91, name="hook_msg91"),
    path("hooks/postmark/", hooks.postmark, name="hook_postmark"),
    path("templates/", views.TemplateListView.as_view(), name="templates"),
    path("templates/<int:pk>/", views.TemplateEditView.as_view(), name="template_edit"),
    path("customers/<int:pk>/send/", views.CustomerSendView.as_view(), name="send"),
    path(
        "customers/<int:pk>/preferences/",
        views.CustomerPreferencesView.as_view(),
        name="preferences",
    ),
]
