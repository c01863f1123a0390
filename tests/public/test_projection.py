from __future__ import annotations

from datetime import date

import pytest

from public import queries
from public.models import NoticePeriod
from tests.public.world import build

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def test_it_records_each_notice_round_as_the_process_posts_it(world):
    public = build(world)
    notice = NoticePeriod.objects.get(case=public.adult_in_notice)
    assert notice.round == 1
    assert notice.notice_from == date(2026, 3, 2)
    assert notice.last_day == date(2026, 3, 9)
    assert notice.monthly_amount is not None
    assert not notice.termination
    # No notice for a household of minors (R4).
    assert not NoticePeriod.objects.filter(case=public.minors_only).exists()
    rows = queries.running_notices(world.county)
    assert [row.name for row in rows] == ["张大山", "王秀兰"]
    assert rows[0].household_size == 2
    assert [row.name for row in queries.running_notices(world.village_a2)] == ["王秀兰"]
    assert queries.running_notices(world.township_b) == []
