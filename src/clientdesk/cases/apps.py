import datetime as dt

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "clientdesk.cases"
    label = "cases"
    verbose_name = "Cases & regulatory reports"

    def ready(self) -> None:
        from clientdesk.core import schedule
        from clientdesk.core.context_processors import add_navigation
        from clientdesk.privacy import holds

        from . import privacy, tasks

        holds.register("cases", privacy.case_holds)
        add_navigation(
            ("Cases", "cases:list", "briefcase", "cases", "/cases/"), before="audit:list"
        )
        # Daily, and idempotent: the CTR of the month just ended is computed (again) until it
        # is reviewed, so transactions that arrive late still land in it.
        schedule.register(
            "cases.compute_ctr", tasks.compute_last_month_ctr, every=dt.timedelta(days=1)
        )
