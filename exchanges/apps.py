from django.apps import AppConfig


class ExchangesConfig(AppConfig):
    name = "exchanges"
    verbose_name = "Data exchanges (数据交换)"

    def ready(self) -> None:
        from engine.runtime import instance_changed
        from exchanges.checks import on_instance_changed

        instance_changed.connect(on_instance_changed, dispatch_uid="exchanges.check_requests")
