"""bench/lifecycle.py at a tiny size: both halves take a dibao case through the public notice
to approval on the same start data, step for step (the full run is 200 cases, by hand:
make bench)."""

from __future__ import annotations

import pytest

from bench import lifecycle

pytestmark = pytest.mark.django_db


def test_it_runs_both_halves_the_same_way_through_the_notice() -> None:
    report = lifecycle.run(cases=2, repeat=2)

    assert report["same_path"] is True
    assert {"public_notice", "county_confirm", "end_approved"} <= set(report["elements_done"])
    assert report["steps"] == list(lifecycle.STEPS)
    for kind in ("ms", "cpu_ms"):
        assert list(report[f"{kind}_per_step"]) == list(lifecycle.STEPS)
    rows = [
        *report["ms_per_step"].values(),
        report["ms_per_step_all"],
        *report["cpu_ms_per_step"].values(),
        report["cpu_ms_per_step_all"],
    ]
    for row in rows:
        assert set(row) == {"doudi", "bare", "ratio"}
        for figures in row.values():
            assert figures["min"] > 0 and set(figures) == {"min", "median"}
    assert report["stored_state_bytes_in_notice"] > 0
    assert report["bare_full_json_bytes_in_notice_with_spec"] > 0
    for kind in ("ms", "cpu_ms"):
        table = lifecycle.table(report, kind).splitlines()
        assert [line.split()[0] for line in table[1:-1]] == [s.split()[0] for s in lifecycle.STEPS]


def test_it_sees_a_bare_case_take_another_path() -> None:
    world = lifecycle.doudi_setup()
    _timer, runs = lifecycle.doudi_cases(world, 1, "P", record_paths=True)
    start_data = runs[0].start_data

    _timer, _bytes, same = lifecycle.bare_run([start_data], record_paths=True)
    # Only minors: no public notice, and nothing for the timer step to fire.
    _timer, _bytes, other = lifecycle.bare_run(
        [start_data | {"notice_required": False}], record_paths=True
    )

    assert same == [runs[0].path]
    assert len(other[0]) == len(same[0]) and other != same
    assert "public_notice" not in other[0][-1][0]
