from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "clientdesk.accounts"
    label = "accounts"
    verbose_name = "Users and roles"
