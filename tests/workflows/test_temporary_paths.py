"""Every path of the temporary-assistance process, end to end through actions and engine."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from assistance import access, actions
from assistance.models import Case, CaseStatus
from engine import runtime
from engine.clock import clock
from engine.models import ProcessInstance, Task, Timer
from portal.queue import rows_with_countdown
from tests.fixtures import SHANGHAI, deploy_only
from tests.workflows.dibao import check, complete, deliver_refusal, open_tasks, resident_id, task
from tests.workflows.temporary import (
    PAPERWORK,
    accept,
    apply,
    assess,
    data,
    pay_first,
    people,
    ready_data,
    to_assessment,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "temporary_deployed")]


@pytest.fixture
def temporary_deployed(world):
    # Only this process and the stages it calls: deploying every process costs seconds a test.
    deploy_only("temporary.bpmn", actor=world["policy"])


# Test policy: rural standard 600 (urban 800); the township approves up to 3x = 1800 (2400),
# nobody grants more than 6x = 3600 (4800).


def pass_notice() -> int:
    # A 3-day notice posted on Monday 2 March ends at midnight after Thursday 5 March.
    clock.advance(timedelta(days=4))
    return runtime.fire_due_timers()


@pytest.mark.reaches("temporary", "end_approved")
@pytest.mark.reaches("economic_check", "end_eligible")
@pytest.mark.reaches("home_investigation", "end")
@pytest.mark.reaches("public_notice", "end_passed")
def test_it_lets_the_township_approve_an_amount_within_its_limit(world):
    case = apply(world)
    assert case.number.startswith("LS2026")
    assert open_tasks(case) == ["acceptance"]
    to_assessment(world, case)
    assert open_tasks(case) == ["assessment"]
    assess(world, case, "1800.00")
    notice = Timer.objects.get(instance__case=case)
    assert notice.due_at.isoformat() == "2026-03-05T16:00:00+00:00"
    assert data(case)["notice_length"] == 3
    assert pass_notice() == 1
    assert open_tasks(case) == ["township_approve"]
    # Whole procedure: 15 working days from Monday 2 March is Monday 23 March.
    assert task(case, "township_approve").due_date == date(2026, 3, 23)
    # The reviewer who assessed the amount may not approve it alone.
    with pytest.raises(runtime.SeparationOfDuties):
        complete(world, "reviewer", case, "township_approve", decision="approve")
    complete(world, "reviewer2", case, "township_approve", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.monthly_amount == Decimal("1800.00")
    assert case.decided_on == date(2026, 3, 6)
    assert case.start_month == date(2026, 3, 1)
    # Paid once: the case is closed on the day of the decision, not left running monthly.
    assert (case.ended_on, case.end_reason) == (date(2026, 3, 6), "one_off_paid")


def test_it_sends_an_amount_above_the_township_limit_to_the_county(world):
    case = apply(world)
    to_assessment(world, case)
    assess(world, case, "1800.01")
    pass_notice()
    assert open_tasks(case) == ["county_approve"]
    assert task(case, "county_approve").lane_role == "county_approver"
    complete(world, "approver", case, "county_approve", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.monthly_amount == Decimal("1800.01")


def test_it_caps_an_amount_above_the_maximum_and_the_county_approves_it(world):
    case = apply(world, hukou="urban", requested="6000.00")
    to_assessment(world, case)
    assess(world, case, "6000.00")
    approval = data(case)["approval"]
    assert approval == {
        "requested": "6000.00",
        "amount": "4800.00",
        "capped": True,
        "level": "county",
    }
    pass_notice()
    assert open_tasks(case) == ["county_approve"]
    complete(world, "approver", case, "county_approve", decision="approve")
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("4800.00")


@pytest.mark.reaches("temporary", "end_refused")
@pytest.mark.reaches("written_notice", "end")
def test_it_refuses_at_approval_with_a_written_notice(world):
    case = apply(world)
    to_assessment(world, case)
    assess(world, case, "2500.00")
    pass_notice()
    complete(
        world,
        "approver",
        case,
        "county_approve",
        decision="refuse",
        decision_reasons="医疗费用已由大病保险报销",
    )
    assert open_tasks(case) == ["refusal_notice"]
    complete(
        world, "clerk", case, "refusal_notice", delivered_on="2026-03-06", delivery_method="post"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "医疗费用已由大病保险报销"
    assert case.monthly_amount is None


@pytest.mark.parametrize(
    ("step", "expected_reasons"),
    [("acceptance", "非本乡镇户籍"), ("check", "名下有车辆"), ("assessment", "家庭收入较高")],
)
def test_it_refuses_at_each_township_step(world, step, expected_reasons):
    case = apply(world)
    if step == "acceptance":
        complete(
            world,
            "clerk",
            case,
            "acceptance",
            acceptance_decision="ineligible",
            acceptance_reasons="非本乡镇户籍",
        )
    elif step == "check":
        accept(world, case)
        check(world, case, eligible=False)
        complete(
            world,
            "clerk",
            case,
            "check_objection",
            notified_on="2026-03-02",
            applicant_objects=False,
        )
    else:
        to_assessment(world, case)
        complete(
            world,
            "reviewer",
            case,
            "assessment",
            assessment="refuse",
            assessment_reasons="家庭收入较高",
        )
    assert open_tasks(case) == ["refusal_notice"]
    deliver_refusal(world, case, "2026-03-02")
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == expected_reasons


def test_it_reinvestigates_and_notices_again_after_an_objection(world):
    case = apply(world)
    to_assessment(world, case)
    assess(world, case, "1000.00")
    case.refresh_from_db()
    actions.do_record_objection(
        case, actor=world["clerk"], objector="村民乙", reason="已有商业保险赔付"
    )
    assert open_tasks(case) == ["investigate"]


def test_it_skips_the_notice_when_only_minors_would_be_named(world):
    child = actions.MemberData(
        name="孤童", resident_id=resident_id(date(2015, 3, 1)), is_applicant=True
    )
    case = apply(world, members=[child])
    to_assessment(world, case)
    assess(world, case, "900.00")
    assert not Timer.objects.filter(instance__case=case).exists()
    assert open_tasks(case) == ["township_approve"]


def test_it_runs_an_emergency_the_ordinary_way_unless_aid_first_is_chosen(world):
    case = apply(world, aid_type="emergency", cause="fire")
    assert open_tasks(case) == ["emergency_acceptance"]
    accept(world, case, "complete")
    case.refresh_from_db()
    assert case.stage == "家庭经济状况核对中"
    assert runtime.waiting_messages(ProcessInstance.objects.get(case=case)) == ["check_result"]


@pytest.mark.reaches("temporary", "end_aid_first")
def test_it_pays_an_emergency_first_and_closes_when_the_file_is_completed_in_time(world):
    case = apply(world, aid_type="emergency", cause="fire", requested="2000.00")
    pay_first(world, case, "1500.00")
    assert open_tasks(case) == ["complete_file"]
    # Five working days from Monday 2 March: the file is due on Monday 9 March.
    assert task(case, "complete_file").due_date == date(2026, 3, 9)
    deadline = Timer.objects.get(instance__case=case)
    assert deadline.due_at.isoformat() == "2026-03-09T16:00:00+00:00"
    clock.advance(timedelta(days=2))
    complete(world, "clerk", case, "complete_file", **PAPERWORK)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.monthly_amount == Decimal("1500.00")
    # Granted on the day the reserve fund paid, not on the day the file was completed.
    assert case.decided_on == date(2026, 3, 2)
    assert case.start_month == date(2026, 3, 1)
    assert not Timer.objects.filter(instance__case=case).exists()
    final = data(case)
    assert final["paperwork_overdue"] is False
    assert final["file_completed_on"] == "2026-03-04"


def test_it_refuses_to_record_aid_first_above_the_township_limit(world):
    case = apply(world, aid_type="emergency", cause="accident")
    accept(world, case, "aid_first")
    complete(
        world,
        "clerk",
        case,
        "immediate_aid",
        paid_amount="1800.01",
        payee="成员0",
        payment_method="cash",
    )
    assert open_tasks(case) == ["immediate_aid"]
    assert (
        data(case)["aid_rejected"] == "先行救助金额 1800.01 元超过乡镇限额 1800.00 元，请重新登记"
    )
    complete(
        world,
        "clerk",
        case,
        "immediate_aid",
        paid_amount="1800.00",
        payee="成员0",
        payment_method="bank_transfer",
    )
    assert open_tasks(case) == ["complete_file"]
    assert data(case)["amount"]["monthly_amount"] == "1800.00"


@pytest.mark.reaches("temporary", "end_aid_first_late")
def test_it_warns_the_township_when_the_paperwork_deadline_passes(world):
    case = apply(world, aid_type="emergency", cause="fire")
    pay_first(world, case, "1200.00")
    # One second before midnight after Monday 9 March (China time): not yet overdue.
    clock.set(datetime(2026, 3, 9, 23, 59, 59, tzinfo=SHANGHAI))
    assert runtime.fire_due_timers() == 0
    assert open_tasks(case) == ["complete_file"]
    clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))
    assert runtime.fire_due_timers() == 1
    assert open_tasks(case) == ["complete_file_late"]
    late = task(case, "complete_file_late")
    assert late.title == "补办手续（已逾期）"
    assert late.lane_role == "township_clerk"
    assert late.due_date == date(2026, 3, 9)
    case.refresh_from_db()
    assert case.stage == "补办手续（已逾期）"
    assert ready_data(case, "complete_file_late")["paperwork_overdue"] is True
    # In the township clerk's queue, the task is one working day overdue: red.
    queued = access.inbox(world["clerk"]).filter(case=case)
    [row] = rows_with_countdown(list(queued))
    assert (row.task.spec_name, row.urgency, row.overdue_days) == ("complete_file_late", "red", 1)
    complete(
        world,
        "clerk",
        case,
        "complete_file_late",
        paperwork_note="申请人住院，延迟签字",
        **PAPERWORK,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.monthly_amount == Decimal("1200.00")
    assert case.decided_on == date(2026, 3, 2)
    final = data(case)
    assert final["paperwork_overdue"] is True
    assert final["file_completed_on"] == "2026-03-10"
    assert not Task.objects.filter(case=case).exists()


def test_it_refuses_the_same_person_for_the_same_cause_on_the_spot(world):
    members = people()
    first = apply(world, aid_type="emergency", cause="fire", members=members)
    pay_first(world, first)
    complete(world, "clerk", first, "complete_file", **PAPERWORK)
    first.refresh_from_db()
    clock.advance(timedelta(days=200))
    # Any member of the earlier household counts, applying alone or in another household.
    spouse = actions.MemberData(name="成员1", resident_id=members[1].resident_id, is_applicant=True)
    with pytest.raises(actions.ActionError) as refused:
        apply(world, aid_type="emergency", cause="fire", members=[spouse])
    assert first.number in str(refused.value)
    assert refused.value.case == first
    assert Case.objects.count() == 1


def grant_aid_first(world, members, cause: str) -> Case:
    case = apply(world, aid_type="emergency", cause=cause, members=members)
    pay_first(world, case)
    complete(world, "clerk", case, "complete_file", **PAPERWORK)
    case.refresh_from_db()
    return case


def test_it_accepts_the_same_person_for_another_cause(world):
    members = people()
    first = grant_aid_first(world, members, "fire")
    assert first.status == CaseStatus.CLOSED
    clock.advance(timedelta(days=30))
    second = apply(world, aid_type="expenditure", cause="medical_costs", members=members)
    assert second.household_id == first.household_id
    assert open_tasks(second) == ["acceptance"]


@pytest.mark.parametrize(("days_later", "accepted"), [(364, False), (365, True)])
def test_it_accepts_the_same_cause_again_a_full_year_after_the_aid(world, days_later, accepted):
    members = people()
    first = grant_aid_first(world, members, "fire")
    assert first.decided_on == date(2026, 3, 2)
    clock.advance(timedelta(days=days_later))
    if accepted:
        second = apply(world, aid_type="emergency", cause="fire", members=members)
        assert open_tasks(second) == ["emergency_acceptance"]
        assert second.number == f"LS2027{second.pk:08d}"
    else:
        with pytest.raises(actions.ActionError, match=first.number):
            apply(world, aid_type="emergency", cause="fire", members=members)
        assert Case.objects.count() == 1
