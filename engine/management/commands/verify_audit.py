from typing import Any

from django.core.management.base import BaseCommand, CommandError

from engine import audit


class Command(BaseCommand):
    help = "Verify every audit hash chain; name the first bad event of each broken chain."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(audit.verify())
        for problem in problems:
            where = (
                f"event id={problem.event.pk} seq={problem.event.seq}"
                if problem.event
                else "chain head"
            )
            self.stderr.write(f"{problem.stream}: {where}: {problem.reason}")
        if problems:
            raise CommandError(f"{len(problems)} audit chain(s) broken")
        self.stdout.write("audit trail intact")
