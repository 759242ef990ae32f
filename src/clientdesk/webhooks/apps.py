import datetime as dt

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "clientdesk.webhooks"
    label = "webhooks"
    verbose_name = "Integrations & webhooks"

    def ready(self) -> None:
        from clientdesk.core import schedule
        from clientdesk.core.context_processors import add_navigation
        from clientdesk.ops import health as ops_health

        from . import health
        from .tasks import retry_due_webhooks

        schedule.register(
            "webhooks.retry_due_deliveries", retry_due_webhooks, every=dt.timedelta(minutes=1)
        )
        add_navigation(
            ("Integrations", "webhooks:health", "webhook", "integrations", "/integrations/"),
            before="audit:list",
        )
        ops_health.CHECKS.setdefault("webhooks", health.readiness)
