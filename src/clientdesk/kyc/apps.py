from django.apps import AppConfig


class KycConfig(AppConfig):
    name = "clientdesk.kyc"
    label = "kyc"
    verbose_name = "KYC"

    def ready(self) -> None:
        pass
