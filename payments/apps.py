from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        # The payment-failure process's outcome handler registers itself.
        from payments import failures  # noqa: F401
