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


def test_it_records_a_termination_notice_with_the_current_amount(world):
    from tests.workflows.exit import active_case, investigate_exit, start_exit

    case = active_case(world, "dibao", amount="432.00")
    start_exit(world, case, "moved_away")
    investigate_exit(world, case)
    notice = NoticePeriod.objects.get(case=case)
    assert notice.termination
    assert str(notice.monthly_amount) == "432.00"
    [row] = queries.running_notices(world.village_a1)
    assert row.termination and row.name == "对象0" and row.household_size == 1


def test_it_backfills_notices_posted_before_the_public_site(world):
    from io import StringIO

    from django.core.management import call_command

    public = build(world)
    NoticePeriod.objects.all().delete()
    out = StringIO()
    call_command("backfill_public_notices", stdout=out)
    assert "3 notices recorded" in out.getvalue()
    assert NoticePeriod.objects.filter(case=public.adult_in_notice).exists()
    call_command("backfill_public_notices", stdout=out)
    assert "0 notices recorded" in out.getvalue()
