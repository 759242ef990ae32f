from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "clientdesk.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        import datetime as dt

        from django.conf import settings

        from clientdesk.core import schedule

        from . import tasks

        schedule.register("ops.heartbeat", tasks.heartbeat, every=dt.timedelta(minutes=1))
        if settings.BACKUP_ENABLED:
            schedule.register(
                "ops.scheduled_backup",
                tasks.scheduled_backup,
                every=dt.timedelta(hours=settings.BACKUP_EVERY_HOURS),
            )
