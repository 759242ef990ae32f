from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "clientdesk.screening"
    label = "screening"
    verbose_name = "Screening & risk"

    def ready(self) -> None:
        pass
