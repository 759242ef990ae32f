from django.apps import AppConfig

# The sidebar entry, inserted after "Messages" (see core.context_processors.NAVIGATION).
NAV_ENTRY = ("KYC review", "kyc:queue", "shield-check", "compliance", "/kyc/")


class KycConfig(AppConfig):
    name = "clientdesk.kyc"
    label = "kyc"
    verbose_name = "KYC"

    def ready(self) -> None:
        from . import dashboard

        dashboard.register_cards()
        from clientdesk.customers.services import ACTIVATION_CHECKS
        from clientdesk.customers.tabs import ProfileTab, register

        from . import services, views

        register(
            ProfileTab(
                "documents",
                "Documents",
                "documents",
                "kyc/_customer_tab.html",
                order=60,
                count=views.customer_tab_count,
                context=views.customer_tab_context,
            )
        )
        if services.activation_check not in ACTIVATION_CHECKS:
            ACTIVATION_CHECKS.append(services.activation_check)
        self._add_navigation()
        self._register_risk_factor()

    def _add_navigation(self) -> None:
        from clientdesk.core.context_processors import add_navigation

        add_navigation(NAV_ENTRY, after="comms:list")

    def _register_risk_factor(self) -> None:
        try:
            from clientdesk.screening.risk import register_factor
        except ImportError:  # the screening module is not installed
            return
        from .services import failed_checks_factor

        register_factor("kyc_failed_checks", "Failed KYC checks", failed_checks_factor)
