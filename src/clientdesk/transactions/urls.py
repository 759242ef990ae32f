from django.urls import path

from . import views

app_name = "transactions"

urlpatterns = [
    path("", views.TransactionsHomeView.as_view(), name="home"),
    path("list/", views.TransactionListView.as_view(), name="list"),
    path(
        "customer/<int:pk>/accounts/",
        views.CustomerAccountsView.as_view(),
        name="customer_accounts",
    ),
    path(
        "customer/<int:pk>/export/",
        views.CustomerTransactionExportView.as_view(),
        name="customer_export",
    ),
    path("devices/<int:pk>/status/", views.DeviceStatusView.as_view(), name="device_status"),
    path("alerts/", views.AlertListView.as_view(), name="alerts"),
    path("alerts/<int:pk>/", views.AlertDetailView.as_view(), name="alert"),
    path("alerts/<int:pk>/status/", views.AlertStatusView.as_view(), name="alert_status"),
    path("alerts/<int:pk>/assign/", views.AlertAssignView.as_view(), name="alert_assign"),
    path("alerts/<int:pk>/notes/", views.AlertNoteView.as_view(), name="alert_note"),
    path("alerts/rules/", views.RuleListView.as_view(), name="rules"),
    path("alerts/rules/new/", views.RuleCreateView.as_view(), name="rule_create"),
    path("alerts/rules/<int:pk>/edit/", views.RuleEditView.as_view(), name="rule_edit"),
    path("alerts/rules/<int:pk>/toggle/", views.RuleToggleView.as_view(), name="rule_toggle"),
]
