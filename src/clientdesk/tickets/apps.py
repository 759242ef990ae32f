import datetime as dt

from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "clientdesk.tickets"
    label = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from clientdesk.core import schedule, search
        from clientdesk.customers.tabs import ProfileTab, register

        from . import search as ticket_search
        from . import tasks, views

        search.registry.register(ticket_search.TicketSearch())
        schedule.register(
            "tickets.sla_breaches", tasks.check_sla_breaches, every=dt.timedelta(minutes=5)
        )
        register(
            ProfileTab(
                "tickets",
                "Tickets",
                "tickets",
                "tickets/_customer_tab.html",
                order=20,
                count=views.customer_tab_count,
                context=views.customer_tab_context,
            )
        )
