"""bench/state_size.py at a tiny size: one dibao case through every stage, each stored in at
most 6 KB (PostgreSQL's compressed size of the state column; the full run: `python
bench/state_size.py`). With the policy copied into every stage and ended stages kept whole,
the case stored 22 KB by its confirmation."""

from __future__ import annotations

import pytest

from bench.state_size import STAGES, run

pytestmark = pytest.mark.django_db

LIMIT = 6 * 1024


def test_it_stores_each_stage_of_a_dibao_case_in_at_most_six_kilobytes() -> None:
    sizes = run(cases=1)

    assert list(sizes) == list(STAGES)
    for stage, size in sizes.items():
        assert 0 < size["stored"] <= size["max_stored"] <= LIMIT, (stage, size)
