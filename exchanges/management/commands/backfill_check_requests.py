"""Once, when the exchanges are first deployed on a running system: a check request for every
case already waiting for the check centre (later ones are written as cases reach the check).
Idempotent: a wait that has its request is left alone."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from engine.models import Wait
from exchanges import checks
from exchanges.models import CheckRequest


class Command(BaseCommand):
    help = "Write a check request for every case already waiting for the check centre."

    def handle(self, *args: Any, **options: Any) -> None:
        made = 0
        waits = Wait.objects.filter(messages__contains=checks.MESSAGE).select_related(
            "instance__definition"
        )
        for wait in waits.order_by("pk").iterator():
            if not wait.waits_for(checks.MESSAGE):
                continue
            with transaction.atomic():
                known = CheckRequest.objects.filter(
                    instance=wait.instance, wait_spiff_id=wait.spiff_id
                ).exists()
                if not known:
                    checks.create_request(wait.instance, wait)
                    made += 1
        self.stdout.write(f"{made} check request(s) written")
