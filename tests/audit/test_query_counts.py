"""The auditor's home, search and exports cost the same number of queries with few or many
cases, members and trail events."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.queries import stage_key
from tests.audit.search_world import make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def add_cases(world, count: int) -> None:
    for n in range(count):
        make_case(
            world,
            region=(world.village_a1, world.village_a2, world.village_b1)[n % 3],
            kind=("dibao", "tekun")[n % 2],
            status=("active", "in_progress")[n % 2],
            stage=f"环节{n % 4}",
            amount=f"{100 + n}.00",
            decided=date(2026, 2, 1),
            people=((f"张{n}", None), (f"李{n}", None), (f"王{n}", None)),
            acted_by=(world["clerk"], world["reviewer"]),
        )


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)
    return len(captured.captured_queries)


def test_it_keeps_queries_flat_from_3_to_120_cases(client, world):
    add_cases(world, 3)
    client.force_login(world["auditor"])
    every_filter = (
        f"?q=张&kind=dibao&status=active&stage={stage_key('环节0')}"
        f"&region={world.township_a.pk}&applied_from=2026-01-01&applied_to=2026-12-31"
        "&decided_from=2026-01-01&decided_to=2026-12-31&amount_min=1&amount_max=9999"
        "&staff=reviewer"
    )
    search = reverse("audit:search")
    urls = {
        "home": reverse("audit:home"),
        "search, bare": search,
        "search, every filter": search + every_filter,
        "search, page 2": search + "?page=2",
        "export, xlsx": reverse("audit:search-export", args=["xlsx"]) + every_filter,
        "export, csv": reverse("audit:search-export", args=["csv"]),
    }
    # The first read of all starts the system chain of the trail: one query more, once.
    client.get(search)
    few = {name: queries(client, url) for name, url in urls.items()}
    add_cases(world, 117)
    many = {name: queries(client, url) for name, url in urls.items()}
    assert many == few
