"""The notice list and a disclosure list cost the same number of queries with few or many rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.public.world import ADULT_BORN, CHILD_BORN, apply_household, one_notice
from tests.workflows.dibao import to_notice

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def queries_for(client, url: str, **params: object) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def more_notices(world, count: int) -> None:
    for index in range(count):
        village = world.village_a1 if index % 2 else world.village_a2
        people = [(f"户主{index}", ADULT_BORN), (f"孩子{index}", CHILD_BORN)]
        to_notice(world, apply_household(world, village, people, f"某地{index}号"))


def test_it_lists_notices_and_first_opinions_in_fixed_queries(client, world):
    one_notice(world)
    few_notices, body = queries_for(client, "/public/notices/", region=world.county.pk)
    assert body.count("notice-row") == 1
    few_lists, _ = queries_for(client, "/public/disclosure/", region=world.county.pk)
    more_notices(world, 5)
    many_notices, body = queries_for(client, "/public/notices/", region=world.county.pk)
    assert body.count("notice-row") == 6
    many_lists, body = queries_for(client, "/public/disclosure/", region=world.county.pk)
    assert body.count("户主") == 5
    assert few_notices == many_notices == 5  # region, lineage, children, notices, members
    assert few_lists == many_lists == 5
