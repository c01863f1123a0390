from typing import Any

from django.core.management.base import BaseCommand

from assistance.demo import DEMO_PASSWORD, seed


class Command(BaseCommand):
    help = "Create the demo county, its staff and cases in every stage (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = seed()
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        for username, role in logins:
            self.stdout.write(f"  {username:<15} {role}")
        self.stdout.write("  admin           superuser (/admin/)")
