"""Every path of the disability-subsidy process, end to end through actions, engine and
projections."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from assistance import actions
from assistance.models import CaseStatus
from engine import runtime
from engine.clock import clock
from engine.forms import FormInvalid
from engine.models import ProcessInstance, Timer
from tests.fixtures import SHANGHAI
from tests.workflows.dibao import complete, deliver_refusal, open_tasks, pass_notice, task
from tests.workflows.disability import (
    apply,
    confirm,
    deploy_disability,
    federation_user,
    review,
    to_decision,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.fixture
def deployed(world):
    # Only this process: the other kinds' diagrams may be half-built while this one is tested.
    deploy_disability(world)


@pytest.fixture(autouse=True)
def federation(world):
    return federation_user(world)


@pytest.fixture
def dibao_household(monkeypatch, world):
    """The applicants are members of an active dibao household, registered before they apply."""
    from tests.workflows import disability as helpers

    def apply_from_dibao_household(world, **kwargs):
        app = helpers.application(world, **kwargs)
        helpers.active_dibao_case(world, [member.resident_id for member in app.members])
        case = actions.do_apply(app, actor=world["clerk"])
        helpers.upload_scans(world, case)
        return case

    monkeypatch.setattr(f"{__name__}.apply", apply_from_dibao_household)


@pytest.mark.reaches("disability", "end_approved")
@pytest.mark.reaches("public_notice", "end_passed")
@pytest.mark.parametrize(
    ("subsidy", "monthly", "living", "nursing"),
    [
        ("living", "80.00", "80.00", "0.00"),
        ("nursing", "90.00", "0.00", "90.00"),
        ("both", "170.00", "80.00", "90.00"),
    ],
)
@pytest.mark.usefixtures("dibao_household")
def test_it_approves_each_subsidy_from_the_month_of_application(
    world, subsidy, monthly, living, nursing
):
    case = apply(world, subsidy=subsidy, grade=1)
    assert case.number.startswith("CB2026")
    assert open_tasks(case) == ["township_review"]
    # Ten working days from Monday 2 March 2026.
    assert task(case, "township_review").due_date == date(2026, 3, 16)
    review(world, case)
    case.refresh_from_db()
    assert case.stage == "公示中"
    assert Timer.objects.get(instance__case=case).due_at.isoformat() == "2026-03-09T16:00:00+00:00"
    assert pass_notice() == 1
    assert open_tasks(case) == ["federation_review"]
    federation_task = task(case, "federation_review")
    assert federation_task.lane_role == "disability_federation_reviewer"
    assert federation_task.due_date == date(2026, 3, 24)
    confirm(world, case, grade=1)
    assert open_tasks(case) == ["county_decision"]
    assert task(case, "county_decision").due_date == date(2026, 3, 24)
    complete(world, "approver", case, "county_decision", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal(monthly)
    assert case.decided_on == date(2026, 3, 10)
    assert case.start_month == date(2026, 3, 1)
    assert case.details["subsidy"] == subsidy
    data = runtime.instance_data(ProcessInstance.objects.get(case=case))
    assert data["amount"]["living_monthly"] == living
    assert data["amount"]["nursing_monthly"] == nursing


@pytest.mark.reaches("disability", "end_approved")
@pytest.mark.usefixtures("dibao_household")
def test_it_keeps_the_living_subsidy_when_the_grade_is_too_light_for_nursing(world):
    case = apply(world, subsidy="both", grade=2, category="physical")
    to_decision(world, case, grade=3)
    complete(world, "approver", case, "county_decision", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal("80.00")


@pytest.mark.reaches("disability", "end_approved")
def test_it_counts_from_the_month_of_application_across_a_month_end(world):
    clock.set(datetime(2026, 3, 25, 9, 0, tzinfo=SHANGHAI))
    case = apply(world, subsidy="nursing", grade=2, category="mental")
    to_decision(world, case, grade=2)
    assert clock.today() == date(2026, 4, 2)
    complete(world, "approver", case, "county_decision", decision="approve")
    case.refresh_from_db()
    assert case.decided_on == date(2026, 4, 2)
    assert case.start_month == date(2026, 3, 1)
    assert case.monthly_amount == Decimal("90.00")


@pytest.mark.reaches("disability", "end_refused")
@pytest.mark.reaches("written_notice", "end")
def test_it_refuses_at_the_township_review(world):
    case = apply(world)
    review(world, case, opinion="refuse", opinion_reasons="残疾证已过期")
    assert open_tasks(case) == ["refusal_notice"]
    assert not Timer.objects.filter(instance__case=case).exists()
    deliver_refusal(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "残疾证已过期"
    assert case.monthly_amount is None


@pytest.mark.reaches("disability", "end_refused")
def test_it_refuses_when_the_federation_does_not_confirm_the_certificate(world):
    case = apply(world)
    review(world, case)
    pass_notice()
    complete(
        world,
        "federation",
        case,
        "federation_review",
        federation_decision="not_confirmed",
        federation_reasons="残疾等级未经评定",
    )
    assert open_tasks(case) == ["refusal_notice"]
    deliver_refusal(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "残疾等级未经评定"


def test_it_refuses_nursing_when_the_federation_confirms_a_lighter_grade(world):
    case = apply(world, subsidy="nursing", grade=2, category="physical")
    to_decision(world, case, grade=3)
    assert open_tasks(case) == ["refusal_notice"]
    deliver_refusal(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "经县残联审核，残疾等级为3级，不符合重度残疾人护理补贴条件"


def test_it_needs_a_grade_when_the_federation_confirms(world):
    case = apply(world)
    review(world, case)
    pass_notice()
    with pytest.raises(FormInvalid) as refused:
        complete(world, "federation", case, "federation_review", federation_decision="confirmed")
    assert list(refused.value.errors) == ["confirmed_grade"]
    assert open_tasks(case) == ["federation_review"]


@pytest.mark.reaches("disability", "end_refused")
def test_it_refuses_at_the_county_decision(world):
    case = apply(world)
    to_decision(world, case)
    complete(
        world,
        "approver",
        case,
        "county_decision",
        decision="refuse",
        decision_reasons="已享受同类补贴",
    )
    data = runtime.instance_data(ProcessInstance.objects.get(case=case))
    assert "行政复议" in data["remedies"]
    deliver_refusal(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "已享受同类补贴"


@pytest.mark.reaches("public_notice", "end_objected")
@pytest.mark.reaches("disability", "end_approved")
def test_it_reviews_again_and_notices_again_after_an_objection(world):
    case = apply(world)
    review(world, case)
    clock.advance(timedelta(days=3))
    case.refresh_from_db()
    actions.do_record_objection(
        case, actor=world["clerk"], objector="村民乙", reason="申请人未长期卧床"
    )
    assert open_tasks(case) == ["township_review"]
    assert not Timer.objects.filter(instance__case=case).exists()
    # The re-review is due ten working days after the objection (Thursday 5 March).
    assert task(case, "township_review").due_date == date(2026, 3, 19)
    review(world, case, findings="复查属实")
    # The new notice runs its full seven days from its own start on 5 March.
    assert Timer.objects.get(instance__case=case).due_at.isoformat() == "2026-03-12T16:00:00+00:00"
    assert pass_notice(days=5) == 0
    assert open_tasks(case) == []
    assert pass_notice(days=3) == 1
    confirm(world, case)
    complete(world, "approver", case, "county_decision", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.start_month == date(2026, 3, 1)
    data = runtime.instance_data(ProcessInstance.objects.get(case=case))
    assert data["notice_round"] == 2
    assert data["objections"][0]["reason"] == "申请人未长期卧床"


def test_it_skips_the_notice_for_a_disabled_child(world):
    case = apply(world, minor_disabled=True)
    review(world, case)
    assert open_tasks(case) == ["federation_review"]
    assert not Timer.objects.filter(instance__case=case).exists()


def test_it_leaves_the_federation_review_to_the_federation(world):
    case = apply(world)
    review(world, case)
    pass_notice()
    federation_task = task(case, "federation_review").pk
    with pytest.raises(PermissionDenied):
        actions.do_complete_task(
            federation_task,
            actor=world["clerk"],
            data={"federation_decision": "confirmed", "confirmed_grade": 1},
        )
    assert open_tasks(case) == ["federation_review"]
