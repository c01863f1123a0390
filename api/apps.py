from typing import Any

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API (接口)"

    def seed_demo(self, users: dict[str, Any], regions: dict[str, Any]) -> None:
        """Called by the demo seed (assistance.demo) after the cases."""
        from api.demo import seed_demo

        seed_demo(users, regions)
