"""bench/reports.py at a tiny size: the synthetic province is built, every report runs on it
and finds exactly the cases planted (the full run is 1,000,000 cases, by hand)."""

from __future__ import annotations

import pytest
from django.db import connection

from bench.reports import add_policy_and_auditors, build, planted, time_reports
from engine.clock import clock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def test_it_finds_every_planted_case_at_a_tiny_size():
    cases = 1000
    with connection.cursor() as cursor:
        build(cursor, cases, 2, clock.today())
    auditors = add_policy_and_auditors(clock.today())
    timings = time_reports(auditors, repeat=1)
    found = {code: entry["found"] for code, entry in timings["province_auditor"].items()}
    # One of each pattern per thousand cases: three ways to relatives, two deaths (an active
    # and a closed case), a duplicate pair, two amounts (too high and too low).
    expected = {
        "relatives": 3,
        "deceased": 2,
        "duplicates": 2,
        "tekun_on_dibao": 1,
        "income_above_standard": 1,
        "reviews_overdue": 1,
        "same_staff": 1,
        "amount_outliers": 2,
    }
    assert planted(cases) == expected
    assert found == expected
    county = timings["county_auditor"]
    assert 0 < sum(entry["found"] for entry in county.values()) < sum(found.values())
    for entry in [*timings["province_auditor"].values(), *county.values()]:
        assert entry["counts_ms"] >= 0 and entry["view_ms"] >= 0
    assert timings["province_auditor_list_page_ms"] > 0
