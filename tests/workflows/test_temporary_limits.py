"""Temporary aid under a county that sets its limits as fixed sums (5,000 yuan alone,
20,000 with the county) rather than multiples of the standard: the diagram routes by them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from assistance.models import CaseStatus, RegionPolicy
from engine import runtime
from engine.clock import clock
from tests.fixtures import deploy_only
from tests.workflows.dibao import complete, open_tasks
from tests.workflows.temporary import apply, assess, data, to_assessment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


@pytest.fixture(autouse=True)
def fixed_sums(world):
    deploy_only("temporary.bpmn", actor=world["policy"])
    RegionPolicy.objects.create(
        region=world.county,
        effective_from=date(2026, 1, 1),
        values={"temporary_township_limit_fixed": "5000", "temporary_max_fixed": "20000"},
    )


def pass_notice() -> None:
    clock.advance(timedelta(days=4))
    runtime.fire_due_timers()


def test_it_lets_the_township_approve_up_to_its_fixed_sum(world):
    case = apply(world, requested="4000.00")
    to_assessment(world, case)
    # 4,000 is above 3 x 600 but within the township's 5,000.
    assess(world, case, "4000.00")
    assert data(case)["limits"] == {
        "standard": "600.00",
        "township_limit": "5000.00",
        "maximum": "20000.00",
    }
    pass_notice()
    assert open_tasks(case) == ["township_approve"]
    complete(world, "reviewer2", case, "township_approve", decision="approve")
    case.refresh_from_db()
    assert (case.status, case.monthly_amount) == (CaseStatus.CLOSED, Decimal("4000.00"))


def test_it_sends_more_than_the_fixed_sum_to_the_county_up_to_its_maximum(world):
    case = apply(world, requested="25000.00")
    to_assessment(world, case)
    assess(world, case, "25000.00")
    pass_notice()
    assert open_tasks(case) == ["county_approve"]
    complete(world, "approver", case, "county_approve", decision="approve")
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("20000.00")
