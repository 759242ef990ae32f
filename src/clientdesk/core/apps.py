from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "clientdesk.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        import datetime as dt

        from . import deploy_checks, lookups, schedule, tasks, textsafety  # noqa: F401 - registering

        textsafety.install()  # control characters refused in every form and API text field

        schedule.register(
            "core.verify_audit_chain", tasks.verify_audit_chain, every=dt.timedelta(days=1)
        )
