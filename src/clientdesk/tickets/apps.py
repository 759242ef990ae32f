from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "clientdesk.tickets"
    label = "tickets"
    verbose_name = "Tickets"
