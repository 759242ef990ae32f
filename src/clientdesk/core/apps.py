from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "clientdesk.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        import datetime as dt

        from . import lookups, schedule, tasks  # noqa: F401 - lookups registers __any

        schedule.register(
            "core.verify_audit_chain", tasks.verify_audit_chain, every=dt.timedelta(days=1)
        )
