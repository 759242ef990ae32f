from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "clientdesk.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from clientdesk.core import search

        from . import search as customer_search

        search.registry.register(customer_search.CustomerSearch())
        self._register_tabs()

    def _register_tabs(self) -> None:
        from . import views
        from .tabs import ProfileTab, register

        register(
            ProfileTab(
                "overview",
                "Overview",
                "customers",
                "customers/_tab_overview.html",
                order=0,
                context=views.overview_context,
            )
        )
        register(
            ProfileTab(
                "activities",
                "Activities",
                "activities",
                "customers/_tab_activities.html",
                order=10,
                context=views.activities_context,
            )
        )
        register(
            ProfileTab(
                "history",
                "History",
                "customers",
                "customers/_tab_history.html",
                order=100,
                context=views.history_context,
            )
        )
