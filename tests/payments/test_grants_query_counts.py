"""The batch page runs the same queries for a few rows and for a page full of them, before
and after approval (rows live in the batch; the cases of a page are one query)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance.models import Household
from payments.actions_grants import do_import_relocation_list, do_submit_batch
from tests.payments.grants_world import approve_now, card, household, rid, xlsx


def approved_batch(world, count, start):
    rows = []
    for index in range(start, start + count):
        household(world.village_a1, f"户主{index}", index, members=1)
        rows.append([rid(index), f"户主{index}", "东村", 1, card(index)])
    batch = do_import_relocation_list(
        world.county.pk, actor=world["finance"], file_name="l.xlsx", data=xlsx(rows)
    )
    do_submit_batch(batch.pk, actor=world["finance"])
    return approve_now(batch.pk, actor=world["approver"])


def queries(client, batch):
    url = reverse("payments:grant-batch", args=[batch.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_it_runs_the_same_queries_for_few_and_many_rows(client, world):
    few = approved_batch(world, 2, 1)
    many = approved_batch(world, 40, 100)
    assert Household.objects.count() == 42
    client.force_login(world["approver"])
    assert queries(client, few) == queries(client, many)
