from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "clientdesk.leads"
    label = "leads"
    verbose_name = "Leads"
