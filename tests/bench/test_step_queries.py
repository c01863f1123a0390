"""bench/step_queries.py at a tiny size: it counts the queries of lifecycle.py's Doudi
half, step by step (its Timer replaced by a counter)."""

from __future__ import annotations

import pytest

from bench import lifecycle, step_queries

pytestmark = pytest.mark.django_db


def test_it_keeps_the_query_counter_of_step_queries_working() -> None:
    counts = step_queries.count(cases=2)

    assert list(counts) == list(lifecycle.STEPS)
    assert all(len(per_case) == 2 and min(per_case) > 0 for per_case in counts.values())
