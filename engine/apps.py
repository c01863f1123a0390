from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "engine"
    verbose_name = "BPMN runtime"

    def ready(self) -> None:
        # Point SpiffWorkflow's timers at the engine's clock before any workflow runs.
        from engine import clock  # noqa: F401
