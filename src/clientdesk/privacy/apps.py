from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Data protection: requests register, consents, breaches, legal holds (GDPR, DPDP)."""

    name = "clientdesk.privacy"
    label = "privacy"
    verbose_name = "Data protection"

    def ready(self) -> None:
        from clientdesk.comms.services import SEND_GATES
        from clientdesk.core.context_processors import add_navigation
        from clientdesk.core.dashboard import Card, register
        from clientdesk.customers.tabs import ProfileTab
        from clientdesk.customers.tabs import register as register_tab

        from . import consent, selectors, views

        register(
            Card("privacy_due", "Data requests due", "privacy", selectors.due_soon,
                 "/privacy/?status=received&status=verified&status=in_progress&sort=due",
                 order=60, tone="red", hint="Overdue or due within 7 days")
        )  # fmt: skip
        add_navigation(
            ("Data protection", "privacy:list", "shield-check", "privacy", "/privacy/"),
            before="audit:list",
        )
        # No count: the tab adds no query to the profile (its counts are pinned).
        register_tab(
            ProfileTab(
                "privacy",
                "Data protection",
                "privacy",
                "privacy/_customer_tab.html",
                order=90,
                context=views.customer_tab_context,
            )
        )
        if consent.gate not in SEND_GATES:
            SEND_GATES.append(consent.gate)
