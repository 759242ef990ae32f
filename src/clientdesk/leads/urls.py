from django.urls import path

from . import views

app_name = "leads"

urlpatterns = [
    path("", views.LeadListView.as_view(), name="list"),
    path("board/", views.LeadBoardView.as_view(), name="board"),
    path("new/", views.LeadCreateView.as_view(), name="create"),
    path("bulk/", views.LeadBulkView.as_view(), name="bulk"),
    path("filters/", views.SavedFilterCreateView.as_view(), name="save_filter"),
    path("filters/<int:pk>/delete/", views.SavedFilterDeleteView.as_view(), name="delete_filter"),
    path("<int:pk>/", views.LeadDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.LeadEditView.as_view(), name="edit"),
    path("<int:pk>/status/", views.LeadStatusView.as_view(), name="status"),
    path("<int:pk>/assign/", views.LeadAssignView.as_view(), name="assign"),
    path("<int:pk>/convert/", views.LeadConvertView.as_view(), name="convert"),
    path("<int:pk>/activities/new/", views.LeadActivityView.as_view(), name="add_activity"),
]
