from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "clientdesk.calls"
    label = "calls"
    verbose_name = "Call logs"
