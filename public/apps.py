from typing import Any

from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "public"
    verbose_name = "Public site"

    def ready(self) -> None:
        from engine.runtime import instance_changed
        from public.projections import on_instance_changed

        instance_changed.connect(on_instance_changed, dispatch_uid="public-notices")

    def seed_demo(self, users: dict[str, Any], regions: dict[str, Any]) -> None:
        """Called by the demo seed (assistance.demo) for apps that have demo content."""
        from public.demo import seed_demo

        seed_demo(users, regions)
