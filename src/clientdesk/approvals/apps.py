import datetime as dt

from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    """Maker-checker approvals and re-verification of customers."""

    name = "clientdesk.approvals"
    label = "approvals"
    verbose_name = "Approvals"

    def ready(self) -> None:
        from clientdesk.core import schedule

        from . import actions, dashboard, tasks

        actions.register_defaults()
        dashboard.register_cards()
        schedule.register(
            "approvals.expire_requests", tasks.expire_requests, every=dt.timedelta(hours=1)
        )
        schedule.register(
            "approvals.reverification", tasks.run_reverification, every=dt.timedelta(days=1)
        )
