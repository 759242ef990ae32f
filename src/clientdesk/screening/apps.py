import datetime as dt

from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "clientdesk.screening"
    label = "screening"
    verbose_name = "Screening & risk"

    def ready(self) -> None:
        from . import dashboard

        dashboard.register_cards()
        from clientdesk.core import schedule
        from clientdesk.core.context_processors import add_navigation
        from clientdesk.customers.services import CUSTOMER_SAVED_HOOKS
        from clientdesk.customers.tabs import ProfileTab, register

        from . import factors, services, tasks, views

        factors.register()
        if services.on_customer_saved not in CUSTOMER_SAVED_HOOKS:
            CUSTOMER_SAVED_HOOKS.append(services.on_customer_saved)
        schedule.register(
            "screening.resume_stalled_runs",
            tasks.resume_stalled_runs,
            every=dt.timedelta(minutes=5),
        )
        register(
            ProfileTab(
                "risk",
                "Risk",
                "compliance",
                "screening/_customer_tab.html",
                order=70,
                context=views.customer_tab_context,
            )
        )
        # The sidebar entry, before the audit trail (the list lives in core).
        entry = ("Screening", "screening:hits", "shield-check", "compliance", "/screening/")
        add_navigation(entry, before="audit:list")
