from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "clientdesk.accounts"
    label = "accounts"
    verbose_name = "Users and roles"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the sign-in receivers
