"""bench/load.py at a tiny size: two people for a few seconds against gunicorn, no errors,
every role's pages opened (the full run is 50 people, by hand: make bench-load)."""

from __future__ import annotations

import pytest
from django.conf import global_settings

from bench.load import roles_for, run

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_loads_the_portal_through_gunicorn_without_errors(settings):
    # The server checks passwords with the production hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    report = run(users=2, duration=5, runs=1, think=0.1, workers=1)
    assert report["errors"] == 0, report
    assert set(report["sign_in"]["kinds"]) == {"login_form", "login"}
    assert report["sign_in"]["kinds"]["login"]["count"] == 2
    (result,) = report["runs"]
    assert result["overall"]["count"] >= 2
    assert report["requests"] == report["sign_in"]["overall"]["count"] + result["overall"]["count"]
    pages = {"inbox", "search", "household", "case", "task"}
    assert set(result["kinds"]) <= pages, result["kinds"]
    for figures in [*result["kinds"].values(), result["overall"]]:
        assert figures["p95_ms"] >= figures["median_ms"] > 0
        assert figures["errors"] == 0
    assert set(report["overall_p95_ms"]) == {"min", "median"}
    # The server counted at least as many (a sign-in is a post and the inbox it leads to).
    assert report["requests_counted_by_server"] >= report["requests"]


def test_it_mixes_the_roles_in_proportion():
    assert roles_for(2) == ["township_clerk", "township_investigator"]
    mix = roles_for(50)
    assert len(mix) == 50
    assert mix.count("township_clerk") == 15 and mix.count("public") == 10
    assert mix.count("auditor") == 5
