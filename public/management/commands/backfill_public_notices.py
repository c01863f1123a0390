"""Record the notices that were running before the public site was deployed.

The public list is fed by `public.projections` as processes post their notices; a notice
posted earlier has no row until this runs once (idempotent, one transaction per case)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Exists, OuterRef

from engine import runtime
from engine.models import InstanceStatus, ProcessInstance, Wait
from public.models import NoticePeriod
from public.projections import notice_facts, record_notice
from public.queries import OBJECTION_MESSAGE, waits_for_message


class Command(BaseCommand):
    help = "Record the public notices running now that the public site has no row for."

    def handle(self, *args: Any, **options: Any) -> None:
        waiting = Wait.objects.filter(instance=OuterRef("pk")).filter(
            waits_for_message(OBJECTION_MESSAGE)
        )
        instances = ProcessInstance.objects.filter(
            Exists(waiting), status=InstanceStatus.RUNNING
        ).select_related("definition")
        recorded = skipped = 0
        for instance in instances.iterator():
            with transaction.atomic():
                data = runtime.instance_data(instance)
                facts = notice_facts(data)
                if facts is None:
                    skipped += 1
                    continue
                round_, notice_from, notice_until = facts
                if NoticePeriod.objects.filter(instance=instance, round=round_).exists():
                    continue
                record_notice(instance, data, round_, notice_from, notice_until)
                recorded += 1
        self.stdout.write(f"{recorded} notices recorded, {skipped} without notice data")
