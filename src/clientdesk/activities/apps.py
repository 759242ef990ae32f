from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "clientdesk.activities"
    label = "activities"
    verbose_name = "Activities"
