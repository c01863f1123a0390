"""bench/queue.py at tiny sizes: both offices' pages are equally full at each size, the
page's task statements are timed, and the plans read the queue indexes in due order, never
the whole task table (the full run is 10k and 1M open tasks, by hand)."""

from __future__ import annotations

import pytest

from bench.queue import run

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_times_the_queue_of_two_offices_on_the_queue_indexes():
    report = run([200, 2000], runs=2, repeats=1)
    assert [result["open_tasks"] for result in report["results"]] == [200, 2000]
    assert set(report["ratio_p95_largest_to_smallest"]) == {"clerk", "approver"}
    # The township's and the county's own queue index, each handing over its lane's tasks
    # of the subtree in due order.
    index = {"clerk": "task_queue_depth4", "approver": "task_queue_depth3"}
    for result in report["results"]:
        for name in ("clerk", "approver"):
            entry = result[name]
            assert entry["rows_on_page"] == 50, (result["open_tasks"], name)
            assert entry["in_scope"] >= 50
            assert entry["statements"] >= 2
            assert 0 < entry["p95_ms_min"] <= entry["p95_ms_median"]
            assert entry["page_ms"] > 0
    # 200 tasks fit in a few pages, which PostgreSQL rightly reads whole: plans at 2,000.
    for name in ("clerk", "approver"):
        entry = report["results"][-1][name]
        scans = [scan for plan in entry["plans"] for scan in plan["task_indexes"]]
        assert any(scan.endswith(f"using {index[name]}") for scan in scans), scans
        assert not any(plan["task_seq_scan"] for plan in entry["plans"]), entry["plans"]
