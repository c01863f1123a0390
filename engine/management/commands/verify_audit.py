from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from engine import audit
from engine.verification import Problem


def describe(problem: Problem) -> str:
    if problem.checkpoint is not None:
        where = f"checkpoint {problem.checkpoint}" if problem.checkpoint else "checkpoints"
    elif problem.event_id is not None:
        where = f"{problem.stream}: event id={problem.event_id} seq={problem.seq}"
    elif problem.seq is not None:
        where = f"{problem.stream}: seq={problem.seq}"
    elif problem.code == "head":
        where = f"{problem.stream}: chain head"
    else:
        where = problem.stream
    return f"{where}: {problem.code}: {problem.message}"


class Command(BaseCommand):
    help = (
        "Verify the audit trail: every hash chain, against the latest signed checkpoints; "
        "name each tampered stream, event and checkpoint."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # Operators read English; the auditors' page shows the same report in their language.
        with translation.override("en"):
            report = audit.verify()
            for problem in report.problems:
                self.stderr.write(describe(problem))
            for note in report.notes:
                self.stdout.write(str(note))
        self.stdout.write(f"{report.streams} stream(s), {report.events} event(s) checked")
        if not report.ok:
            broken = len(report.broken_streams)
            other = len([p for p in report.problems if p.stream in ("checkpoints", "database")])
            raise CommandError(f"{broken} audit chain(s) broken, {other} other problem(s)")
        self.stdout.write("audit trail intact")
