"""bench/roster.py at a tiny size: the synthetic county is built, its roster built and
rebuilt, every planted exclusion found and nobody paid twice (the full run is 1,000,000
cases, by hand: make bench-roster)."""

from __future__ import annotations

import pytest

from bench.roster import run

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_builds_the_roster_of_a_tiny_county():
    report = run(cases=2500, townships=2, villages=3, export=True)
    assert report["status"] == "built"
    assert report["excluded"] == report["planted"] == {"no_account": 3, "dead": 3, "ended": 3}
    assert report["lines"] == report["lines_after_rebuild"] == 2500 - 9
    assert report["progress"] == [2500, 2500]
    assert report["build_s"] > 0 and report["peak_rss_mb_after"] > 0
    assert report["export_bytes"] > 0
