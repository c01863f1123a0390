from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Doudi portal"

    def ready(self) -> None:
        from portal.metrics import instrument_runtime

        instrument_runtime()
