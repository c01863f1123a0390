from typing import Any

from django.core.management.base import BaseCommand, CommandError

from assistance.models import Evidence
from storage.base import get_store
from storage.verify import verify_object


class Command(BaseCommand):
    help = (
        "Check every evidence record against its stored object; list objects no record points to."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        store = get_store()
        problems = 0
        known = set()
        for evidence in Evidence.objects.order_by("pk").iterator(chunk_size=500):
            known.add(evidence.key)
            reason = verify_object(store, evidence.key, evidence.sha256)
            if reason is not None:
                problems += 1
                self.stderr.write(f"evidence {evidence.pk} ({evidence.key}): {reason}")
        orphans = [key for key in store.keys() if key not in known]  # noqa: SIM118 - not a dict
        for key in orphans:
            self.stdout.write(f"orphan: {key}")
        self.stdout.write(
            f"{len(known)} record(s) checked, {problems} problem(s), {len(orphans)} orphan(s)"
        )
        if problems:
            raise CommandError(f"{problems} evidence record(s) do not match their objects")
