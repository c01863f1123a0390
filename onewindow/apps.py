from typing import Any

from django.apps import AppConfig


class OneWindowConfig(AppConfig):
    name = "onewindow"
    verbose_name = "One window (一门受理)"

    def seed_demo(self, users: dict[str, Any], regions: dict[str, Any]) -> None:
        """Called by the demo seed (assistance.demo) after the cases."""
        from onewindow.demo import seed_demo

        seed_demo(users, regions)
