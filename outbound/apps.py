from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "outbound"
    verbose_name = "Outbound events (事件推送)"

    def ready(self) -> None:
        from engine.runtime import instance_changed
        from outbound.events import on_instance_changed

        # After assistance's case projection (its app comes first): the case is decided.
        instance_changed.connect(on_instance_changed, dispatch_uid="outbound.events")
