"""An approval granted by a real Celery worker over Redis: the request only records the
decision; the worker makes the cases and grants and the batch ends approved."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from engine import audit
from payments.actions_grants import do_approve_batch, do_import_relocation_list, do_submit_batch
from payments.models import BatchStatus, GrantBatch, OneOffGrant
from tests.payments.grants_world import card, household, rid, xlsx

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fixed_clock")]


def settled(batch_id: int, timeout: float = 30) -> GrantBatch:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = GrantBatch.objects.get(pk=batch_id)
        if batch.status != BatchStatus.GRANTING:
            return batch
        time.sleep(0.1)
    raise AssertionError(f"batch still granting after {timeout}s")


def test_it_grants_an_approved_batch_on_a_worker(client, world, redis_worker):
    rows = []
    for index in range(1, 13):
        household(world.village_a1, f"户主{index}", index, members=1)
        rows.append([rid(index), f"户主{index}", "东村", 1, card(index)])
    batch = do_import_relocation_list(
        world.county.pk, actor=world["finance"], file_name="l.xlsx", data=xlsx(rows)
    )
    do_submit_batch(batch.pk, actor=world["finance"])

    approved = do_approve_batch(batch.pk, actor=world["approver"])
    assert approved.status == BatchStatus.GRANTING

    batch = settled(batch.pk)
    assert batch.status == BatchStatus.APPROVED and batch.job_done == 12
    assert OneOffGrant.objects.filter(batch=batch).count() == 12
    assert audit.verify().ok
    client.force_login(world["approver"])
    data = json.loads(client.get(reverse("payments:grant-progress", args=[batch.pk])).content)
    assert (data["done"], data["total"], data["granting"]) == (12, 12, False)
