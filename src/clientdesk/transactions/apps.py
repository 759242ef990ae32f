"""Transactions, accounts, devices and merchants; monitoring rules and alerts."""

import datetime as dt
import importlib
import importlib.util

from django.apps import AppConfig
from django.conf import settings


class TransactionsConfig(AppConfig):
    name = "clientdesk.transactions"
    label = "transactions"
    verbose_name = "Transactions"

    def ready(self) -> None:
        from . import dashboard

        dashboard.register_cards()
        from clientdesk.core import schedule

        from . import tasks

        schedule.register(
            "transactions.nightly_rules",
            tasks.run_nightly_rules,
            every=dt.timedelta(hours=settings.TRANSACTION_NIGHTLY_EVERY_HOURS),
        )
        schedule.register(
            "transactions.reconcile", tasks.reconcile_books, every=dt.timedelta(days=1)
        )
        self._register_risk_factor()
        # The pages (views.py, owned with the templates) register their profile tabs and
        # badges in a ``ready()`` function of their own, called from here when present.
        if importlib.util.find_spec(f"{self.name}.views") is not None:
            hook = getattr(importlib.import_module(f"{self.name}.views"), "ready", None)
            if callable(hook):
                hook()

    @staticmethod
    def _register_risk_factor() -> None:
        """Open alerts feed the customer's risk score, when the screening module has the
        risk registry."""
        if importlib.util.find_spec("clientdesk.screening.risk") is None:
            return
        from clientdesk.screening.risk import register_factor

        from .services import alert_risk_factor

        register_factor("transaction_alerts", "Transaction monitoring alerts", alert_risk_factor)
