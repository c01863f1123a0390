from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # Celery's autodiscovery finds `payments.tasks` only: register the grants job too.
        from payments import tasks_grants  # noqa: F401
