import datetime as dt

from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "clientdesk.comms"
    label = "comms"
    verbose_name = "Messages"

    def ready(self) -> None:
        from . import dashboard

        dashboard.register_cards()
        from clientdesk.core import schedule
        from clientdesk.customers.tabs import ProfileTab, register

        from . import views
        from .tasks import retry_due_messages

        register(
            ProfileTab(
                "messages",
                "Messages",
                "messages",
                "comms/_customer_tab.html",
                order=50,
                count=views.message_count,
                context=views.customer_tab_context,
            )
        )
        schedule.register(
            "comms.retry_due_messages", retry_due_messages, every=dt.timedelta(minutes=1)
        )
