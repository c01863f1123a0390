"""Every path of the disaster-relief process (受灾人员救助), end to end through actions,
engine and projections."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from assistance import actions
from assistance.kinds import ONE_OFF_PAID
from assistance.models import CaseStatus
from engine.clock import clock
from engine.models import Timer
from tests.fixtures import deploy_only
from tests.workflows.dibao import (
    complete,
    deliver_refusal,
    open_tasks,
    pass_notice,
    task,
)
from tests.workflows.disaster import TRANSITION, WINTER, apply

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.fixture
def deployed(world):
    deploy_only("disaster.bpmn", actor=world["policy"])


@pytest.mark.reaches("disaster", "end_approved")
@pytest.mark.reaches("public_notice", "end_passed")
@pytest.mark.parametrize(
    ("details", "amount"),
    [
        # 2 persons x 20 yuan x 30 days x 3 months
        (TRANSITION, "3600.00"),
        # 3 persons x 300 yuan
        (WINTER, "900.00"),
    ],
)
def test_it_grants_the_aid_after_the_notice_and_closes_the_case(world, details, amount):
    case = apply(world, details)
    assert case.number.startswith("SZ2026")
    assert task(case, "township_review").due_date == date(2026, 3, 16)
    complete(world, "reviewer", case, "township_review", opinion="approve", findings="属实")
    case.refresh_from_db()
    assert case.stage == "公示中"
    assert pass_notice() == 1
    assert open_tasks(case) == ["county_decision"]
    complete(world, "approver", case, "county_decision", decision="approve")
    case.refresh_from_db()
    assert case.monthly_amount == Decimal(amount)
    assert case.status == CaseStatus.CLOSED and case.end_reason == ONE_OFF_PAID


@pytest.mark.reaches("disaster", "end_approved")
def test_it_posts_no_notice_for_children_alone(world):
    case = apply(world, {**WINTER, "persons": 2}, born=[date(2014, 1, 1), date(2016, 1, 1)])
    complete(world, "reviewer", case, "township_review", opinion="approve")
    assert open_tasks(case) == ["county_decision"]
    assert not Timer.objects.filter(instance__case=case).exists()
    complete(world, "approver", case, "county_decision", decision="approve")
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("600.00")


def test_it_checks_again_and_posts_again_after_an_objection(world):
    case = apply(world, TRANSITION)
    complete(world, "reviewer", case, "township_review", opinion="approve")
    clock.advance(timedelta(days=3))
    case.refresh_from_db()
    actions.do_record_objection(case, actor=world["clerk"], objector="村民乙", reason="房屋未倒")
    assert open_tasks(case) == ["township_review"]
    complete(world, "reviewer", case, "township_review", opinion="approve", findings="复查属实")
    assert pass_notice() == 1
    assert open_tasks(case) == ["county_decision"]


@pytest.mark.reaches("disaster", "end_refused")
@pytest.mark.reaches("written_notice", "end")
def test_it_refuses_at_the_township_check(world):
    case = apply(world, TRANSITION)
    complete(
        world, "reviewer", case, "township_review", opinion="refuse", opinion_reasons="房屋未倒损"
    )
    assert not Timer.objects.filter(instance__case=case).exists()
    deliver_refusal(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED and case.outcome_reasons == "房屋未倒损"


@pytest.mark.reaches("disaster", "end_refused")
def test_it_refuses_at_the_county(world):
    case = apply(world, WINTER)
    complete(world, "reviewer", case, "township_review", opinion="approve")
    pass_notice()
    complete(
        world, "approver", case, "county_decision", decision="refuse", decision_reasons="重复申请"
    )
    deliver_refusal(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED and case.monthly_amount is None
