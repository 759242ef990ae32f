"""Reports and analytics: figures for managers and compliance, with exports and an API."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "clientdesk.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from clientdesk.core.context_processors import add_navigation

        add_navigation(
            ("Reports", "reports:index", "file-text", "reports", "/reports/"),
            before="audit:list",
        )
