from django.urls import path

from . import views

app_name = "tickets"

urlpatterns = [
    path("", views.TicketListView.as_view(), name="list"),
    path("new/", views.TicketCreateView.as_view(), name="create"),
    path("bulk-close/", views.TicketBulkCloseView.as_view(), name="bulk_close"),
    path("reports/", views.TicketReportView.as_view(), name="reports"),
    path("settings/", views.TicketSettingsView.as_view(), name="settings"),
    path("survey/<str:token>/", views.SurveyView.as_view(), name="survey"),
    path("<int:pk>/", views.TicketDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.TicketEditView.as_view(), name="edit"),
    path("<int:pk>/status/", views.TicketStatusView.as_view(), name="status"),
    path("<int:pk>/assign/", views.TicketAssignView.as_view(), name="assign"),
    path("<int:pk>/comments/", views.TicketCommentView.as_view(), name="comment"),
    path("<int:pk>/attachments/", views.TicketAttachmentUploadView.as_view(), name="upload"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.TicketAttachmentDownloadView.as_view(),
        name="download",
    ),
    path("<int:pk>/activities/new/", views.TicketActivityView.as_view(), name="add_activity"),
]
