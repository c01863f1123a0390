from typing import Any

from django.core.management.base import BaseCommand

from engine import runtime


class Command(BaseCommand):
    help = "Fire every timer that is due now (what the Celery beat task does every minute)."

    def handle(self, *args: Any, **options: Any) -> None:
        fired = runtime.fire_due_timers()
        self.stdout.write(f"{fired} timer(s) fired")
