from django.urls import path

from . import views

app_name = "followups"

urlpatterns = [
    path("", views.MyTasksView.as_view(), name="mine"),
    path("all/", views.TaskListView.as_view(), name="list"),
    path("new/", views.TaskCreateView.as_view(), name="create"),
    path("<int:pk>/", views.TaskDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.TaskEditView.as_view(), name="edit"),
    path("<int:pk>/status/", views.TaskStatusView.as_view(), name="status"),
]
