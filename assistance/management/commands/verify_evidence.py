from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from assistance.evidence_check import verify_evidence
from assistance.models import Evidence
from storage.base import get_store


class Command(BaseCommand):
    help = (
        "Check every evidence record against the audit event of its upload (case, sha256) and "
        "its stored object; list objects no record points to."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        store = get_store()
        with translation.override("en"):
            report = verify_evidence(store=store)
            for problem in report.problems:
                self.stderr.write(
                    f"evidence {problem.evidence_id} (case {problem.case_number}): "
                    f"{problem.code}: {problem.message}"
                )
        known = set(Evidence.objects.values_list("key", flat=True))
        orphans = [key for key in store.keys() if key not in known]  # noqa: SIM118 - not a dict
        for key in orphans:
            self.stdout.write(f"orphan: {key}")
        if report.unprovable:
            self.stdout.write(
                f"{len(report.unprovable)} record(s) not provable: their upload event has no sha256"
            )
        self.stdout.write(
            f"{report.checked} record(s) checked, {len(report.problems)} problem(s), "
            f"{len(orphans)} orphan(s)"
        )
        if report.problems:
            raise CommandError(
                f"{len(report.problems)} evidence problem(s): records that do not match their "
                "upload or their objects"
            )
