"""bench/throughput.py at a tiny size: worker processes of their own, connected to this test
worker's database, each take a case through every step (the full run is timed, by hand:
python bench/throughput.py)."""

from __future__ import annotations

import pytest

from assistance.models import Case
from bench import lifecycle, throughput

# The workers are other processes: they see only what was committed.
pytestmark = pytest.mark.django_db(transaction=True)


def test_it_runs_whole_cases_in_worker_processes() -> None:
    lifecycle.doudi_setup()

    report = throughput.run([1, 2], throughput.connection_settings(), lifecycles=1, repeat=1)

    assert set(report["workers"]) == {"1", "2"}
    assert report["workers"]["1"]["lifecycles"] == [1]
    assert report["workers"]["2"]["lifecycles"] == [2]
    # Each worker's case and the one it ran first, untimed, all approved, in this database.
    assert Case.objects.filter(status="active").count() == 2 * (1 + 2)
    for figures in report["workers"].values():
        assert figures["lifecycles_per_s"]["min"] > 0
        cpu = figures["cpu_ms_per_lifecycle"]
        assert cpu["worker"]["min"] > 0 and cpu["postgres"] is not None
        assert cpu["total"]["min"] >= cpu["worker"]["min"]
        by_step = figures["statements_by_step"]
        assert list(by_step) == list(lifecycle.STEPS)
        assert all(step["min"] > 0 for step in by_step.values())
        per_call = sum(step["median"] for step in by_step.values()) / len(by_step)
        assert figures["statements_per_call"]["median"] == pytest.approx(per_call, abs=0.01)
        assert figures["statements_per_lifecycle"]["min"] > per_call * len(by_step) - 0.01
