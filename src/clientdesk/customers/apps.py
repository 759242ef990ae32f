from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "clientdesk.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from clientdesk.core import search

        from . import search as customer_search

        search.registry.register(customer_search.CustomerSearch())
