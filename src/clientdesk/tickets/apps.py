import datetime as dt
from typing import Any

from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "clientdesk.tickets"
    label = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from . import dashboard

        dashboard.register_cards()
        from clientdesk.core import schedule, search
        from clientdesk.customers.tabs import ProfileTab, register

        from . import search as ticket_search
        from . import tasks, views

        search.registry.register(ticket_search.TicketSearch())
        from clientdesk.comms.services import CONTACT_RULES

        CONTACT_RULES.append(_assigned_to_open_ticket)
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
                count_label="open",
                context=views.customer_tab_context,
            )
        )


def _assigned_to_open_ticket(user: Any, customer: Any) -> bool:
    """A Support user may message a customer whose open ticket is assigned to them."""
    from .models import Ticket

    return Ticket.objects.open().filter(customer=customer, assignees=user).exists()
