"""The extra dibao for special groups (增发) through the dibao process: the region's
supplement per covered elderly, minor, severely disabled or seriously ill member is added
to the amount the county confirms, and the breakdown says for whom."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from assistance.models import RegionPolicy
from engine import runtime
from engine.clock import clock
from tests.workflows.dibao import apply, complete, to_notice
from tests.workflows.temporary import data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def confirm(world, case):
    to_notice(world, case)
    clock.advance(timedelta(days=8))
    runtime.fire_due_timers()
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()


def test_it_adds_the_supplement_for_each_minor_to_the_confirmed_amount(world):
    RegionPolicy.objects.create(
        region=world.county,
        effective_from=date(2026, 1, 1),
        values={"dibao_supplement_minor": "40.00", "dibao_supplement_elderly": "50.00"},
    )
    # One adult earning 900 and two children: (600 - 300) x 3 = 900, + 2 x 40.
    case = apply(world, wage="900.00", members=3)
    confirm(world, case)
    assert case.monthly_amount == Decimal("980.00")
    amount = data(case)["amount"]
    assert amount["base_amount"] == "900.00"
    assert [line["group"] for line in amount["supplements"]] == ["minor", "minor"]


def test_it_adds_nothing_where_the_region_grants_no_supplement(world):
    case = apply(world, wage="900.00", members=3)
    confirm(world, case)
    assert case.monthly_amount == Decimal("900.00")
