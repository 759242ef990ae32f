from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "clientdesk.comms"
    label = "comms"
    verbose_name = "Messages"
