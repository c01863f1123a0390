"""bench/timers.py at a tiny size: a burst built of started instances and their SQL copies is
drained by a real `celery worker` process, every timer fired once (the full run is 100,000
timers with 1, 2 and 4 worker processes, by hand: make bench-timers)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.db import connection

from bench.timers import run
from tests.celery_worker import REDIS_URL

pytestmark = pytest.mark.django_db(transaction=True)


def url_of_the_test_database() -> str:
    # The worker process must use the database this test writes, not the one it was given.
    db = connection.settings_dict
    login = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{login}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def test_it_drains_a_tiny_burst_on_a_worker_process():
    report = run(
        timers=20,
        worker_counts=[1],
        runs=1,
        database_url=url_of_the_test_database(),
        broker_url=REDIS_URL,
        timeout=120,
    )
    assert (report["timers"], report["runs"], report["timers_left"], report["incidents"]) == (
        20,
        1,
        0,
        0,
    )
    [(workers, row)] = report["by_workers"].items()
    assert workers == "1"
    assert set(row) == {
        "drained_per_s_min",
        "drained_per_s_median",
        "drained_per_s_runs",
        "sweep_sent_per_s_median",
    }
    assert len(row["drained_per_s_runs"]) == 1
    assert row["drained_per_s_min"] == row["drained_per_s_median"] > 0
    assert row["sweep_sent_per_s_median"] > 0
