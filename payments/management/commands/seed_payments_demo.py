from typing import Any

from django.core.management.base import BaseCommand

from payments.demo import seed


class Command(BaseCommand):
    help = "Bank accounts and this month's payment roster for the demo county (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        roster = seed()
        if roster is not None:
            self.stdout.write(
                f"Payment roster {roster.month:%Y-%m}: {roster.line_count} payments, "
                "approved once by finance; finance2 gives the second approval."
            )
