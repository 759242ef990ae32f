from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "clientdesk.calls"
    label = "calls"
    verbose_name = "Call logs"

    def ready(self) -> None:
        from clientdesk.customers.tabs import ProfileTab, register

        from . import views

        register(
            ProfileTab(
                "calls",
                "Call logs",
                "calls",
                "calls/_customer_tab.html",
                order=30,
                count=views.customer_tab_count,
                count_per_user=True,
                context=views.customer_tab_context,
            )
        )
