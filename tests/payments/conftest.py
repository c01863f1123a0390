from __future__ import annotations

from datetime import date

import pytest

from payments.actions import do_build_roster
from tests.payments.roster_world import make_case

MARCH = date(2026, 3, 1)


@pytest.fixture
def built_roster(world, fixed_clock, django_capture_on_commit_callbacks):
    """March 2026's roster of the test county: two paid cases and one without an account."""
    make_case(world.village_a1, name="李一")
    make_case(world.village_b1, name="王二", kind="tekun", amount="900.00")
    make_case(world.village_a2, name="赵三", account=False)
    with django_capture_on_commit_callbacks(execute=True):
        roster = do_build_roster(world.county.pk, MARCH, actor=world["finance"])
    roster.refresh_from_db()
    return roster
