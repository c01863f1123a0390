"""The analytics page, its JSON and its export cost the same number of queries for one case or
for many: the stays are grouped in the database, working days and limits counted from one
calendar and one policy query."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from engine.runtime import fire_due_timers
from tests.audit.analytics_cases import accept_on, apply_on, on
from tests.fixtures import World
from tests.workflows.dibao import check, complete, investigate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

URLS = [
    reverse("audit:analytics"),
    reverse("audit:analytics-data"),
    reverse("audit:analytics-diagram"),
    reverse("audit:analytics-export"),
]


def plant(world: World, count: int, first_day: int) -> None:
    """`count` cases in both townships, at stages from acceptance to confirmation."""
    for index in range(count):
        township = "ab"[index % 2]
        case = apply_on(world, date(2026, 3, first_day + index % 3), township)
        if index % 4 == 3:
            continue
        accept_on(world, case, date(2026, 3, 10 + index % 5), township)
        if township == "b":
            continue
        check(world, case)
        investigate(world, case)
        complete(world, "reviewer", case, "opinion", opinion="approve")
    on(date(2026, 3, 31))
    fire_due_timers()


def queries(client: Client) -> list[int]:
    counts = []
    for url in URLS:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        counts.append(len(captured.captured_queries))
    return counts


def test_it_costs_the_same_for_few_and_many_cases(client: Client, world: World) -> None:
    plant(world, 1, 2)
    client.force_login(world["auditor"])
    queries(client)  # warm the per-process caches of diagrams and specs
    few = queries(client)
    plant(world, 8, 3)
    on(date(2026, 4, 8))
    many = queries(client)
    assert few == many
    # Sign-in, jurisdiction, regions, policy, calendar, the stays, the procedures…: bounded.
    assert max(many) <= 30
