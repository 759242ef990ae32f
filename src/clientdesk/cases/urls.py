from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("", views.CaseListView.as_view(), name="list"),
    path("open/<slug:source>/<int:pk>/", views.CaseOpenView.as_view(), name="open"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="detail"),
    path("<int:pk>/status/", views.CaseStatusView.as_view(), name="status"),
    path("<int:pk>/assign/", views.CaseAssignView.as_view(), name="assign"),
    path("<int:pk>/notes/", views.CaseNoteView.as_view(), name="note"),
    path("<int:pk>/close/", views.CaseCloseView.as_view(), name="close"),
    path("<int:pk>/confirm-close/", views.CaseConfirmCloseView.as_view(), name="confirm_close"),
    path("<int:pk>/reopen/", views.CaseReopenView.as_view(), name="reopen"),
    path("<int:pk>/str/new/", views.StrCreateView.as_view(), name="str_create"),
    path("reports/str/<int:pk>/", views.StrDetailView.as_view(), name="str"),
    path(
        "reports/str/<int:pk>/do/<slug:action>/", views.StrActionView.as_view(), name="str_action"
    ),
    path("reports/str/<int:pk>/pdf/", views.StrOutputView.as_view(kind="pdf"), name="str_pdf"),
    path("reports/str/<int:pk>/xml/", views.StrOutputView.as_view(kind="xml"), name="str_xml"),
    path("reports/ctr/", views.CtrListView.as_view(), name="ctr"),
    path(
        "reports/ctr/<int:pk>/do/<slug:action>/", views.CtrActionView.as_view(), name="ctr_action"
    ),
    path("reports/ctr/xml/", views.CtrOutputView.as_view(kind="xml"), name="ctr_xml"),
    path("reports/ctr/pdf/", views.CtrOutputView.as_view(kind="pdf"), name="ctr_pdf"),
]
