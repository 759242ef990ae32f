from django.apps import AppConfig


class TransactionsConfig(AppConfig):
    name = "clientdesk.transactions"
    label = "transactions"
    verbose_name = "Transactions"

    def ready(self) -> None:
        pass
