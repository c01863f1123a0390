from django.apps import AppConfig


class OneWindowConfig(AppConfig):
    name = "onewindow"
    verbose_name = "One window (一门受理)"

    def ready(self) -> None:
        from assistance.demo import DEMO_SEEDS
        from onewindow.demo import seed_demo

        if seed_demo not in DEMO_SEEDS:
            DEMO_SEEDS.append(seed_demo)
