from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "clientdesk.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        import datetime as dt

        from . import deploy_checks, lookups, schedule, tasks  # noqa: F401 - registering

        schedule.register(
            "core.verify_audit_chain", tasks.verify_audit_chain, every=dt.timedelta(days=1)
        )
