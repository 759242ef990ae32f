import datetime as dt

from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    """Follow-up tasks (named so as not to be confused with background tasks)."""

    name = "clientdesk.followups"
    label = "followups"
    verbose_name = "Tasks"

    def ready(self) -> None:
        from . import dashboard

        dashboard.register_cards()
        from clientdesk.core import schedule
        from clientdesk.core.context_processors import NAV_BADGES
        from clientdesk.customers.tabs import ProfileTab, register

        from . import tasks, views

        schedule.register(
            "followups.task_reminders", tasks.send_task_reminders, every=dt.timedelta(minutes=1)
        )
        NAV_BADGES["followups:mine"] = views.nav_badge
        register(
            ProfileTab(
                "tasks",
                "Tasks",
                "tasks",
                "followups/_customer_tab.html",
                order=40,
                count=views.customer_tab_count,
                count_label="open",
                count_per_user=True,
                context=views.customer_tab_context,
            )
        )
