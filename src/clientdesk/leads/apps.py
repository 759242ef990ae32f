import datetime as dt

from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "clientdesk.leads"
    label = "leads"
    verbose_name = "Leads"

    def ready(self) -> None:
        from . import dashboard

        dashboard.register_cards()
        from clientdesk.core import schedule, search

        from . import search as lead_search
        from . import tasks

        search.registry.register(lead_search.LeadSearch())
        schedule.register("leads.expire_leads", tasks.expire_leads, every=dt.timedelta(days=1))
