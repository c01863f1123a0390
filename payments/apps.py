from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # The payment-failure process's outcome handler registers itself; Celery's
        # autodiscovery finds `payments.tasks` only, so the grants job is registered here.
        from payments import failures, tasks_grants  # noqa: F401
