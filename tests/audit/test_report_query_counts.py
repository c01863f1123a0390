"""The report pages and the export cost the same number of queries with few or many cases,
townships and findings."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assistance.models import RegionLevel
from audit.reports import all_rules
from tests.audit.reports_world import case, household, person
from tests.fixtures import make_region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def plant(world, village, n: int) -> None:
    """n households that show several patterns at once (income, amount, review, tekun)."""
    for index in range(n):
        home = household(world, village)
        person(home, f"老人{index}", date(1940, 1, 1), applicant=True)
        earner = person(home, f"亲属{index}", date(1942, 1, 1), wage="2000.00")
        assert earner
        case(home, amount="9000.00", decided_on=date(2024, 1, 1))


def urls() -> list[str]:
    pages = ["/audit/reports/"]
    for rule in all_rules():
        pages += [f"/audit/reports/{rule.code}/", f"/audit/reports/{rule.code}.xlsx"]
    return pages


def test_it_keeps_queries_flat_from_one_case_to_many(client, world):
    client.force_login(world["auditor"])
    plant(world, world.village_a1, 1)
    for url in urls():  # warm up: the session, the permission cache, the audit chain's head
        client.get(url)
    few = {url: queries_for(client, url) for url in urls()}
    plant(world, world.village_b1, 30)
    for n in range(5):
        township = make_region(f"43110100{n + 3}", f"新镇{n}", RegionLevel.TOWNSHIP, world.county)
        village = make_region(f"43110100{n + 3}001", f"新村{n}", RegionLevel.VILLAGE, township)
        plant(world, village, 3)
    many = {url: queries_for(client, url) for url in urls()}
    assert many == few
    # Session and user, roles, jurisdiction, regions, policies, one query per rule (the page:
    # counts and the cases) with its settings (in a savepoint under the test's transaction),
    # the audit event, the session save: a fixed handful.
    assert few["/audit/reports/"] <= 15 + 4 * len(all_rules())
    assert few["/audit/reports/reviews_overdue/"] <= 24
