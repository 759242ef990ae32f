from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    """Follow-up tasks (named so as not to be confused with background tasks)."""

    name = "clientdesk.followups"
    label = "followups"
    verbose_name = "Tasks"
