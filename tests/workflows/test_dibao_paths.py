"""Every path of the dibao process, end to end through actions, engine and projections."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from assistance import actions
from assistance.models import CaseStatus, MonitoringEntry, RegionPolicy
from engine import runtime
from engine.clock import clock
from engine.models import AuditEvent, ProcessInstance, Timer
from tests.workflows.dibao import (
    accept,
    apply,
    check,
    complete,
    deliver_refusal,
    investigate,
    open_tasks,
    pass_notice,
    task,
    to_notice,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.mark.reaches("dibao", "end_approved")
@pytest.mark.reaches("economic_check", "end_eligible")
@pytest.mark.reaches("home_investigation", "end")
@pytest.mark.reaches("public_notice", "end_passed")
def test_it_approves_through_county_confirmation(world):
    case = apply(world, wage="900.00", members=3)
    assert open_tasks(case) == ["acceptance"]
    to_notice(world, case)
    case.refresh_from_db()
    assert case.stage == "公示中"
    assert open_tasks(case) == []
    assert pass_notice() == 1
    assert open_tasks(case) == ["county_confirm"]
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    # Rural standard 600, per-capita 900/3 = 300, three covered: (600 - 300) x 3 = 900.
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal("900.00")
    assert case.decided_on == date(2026, 3, 10)
    assert case.start_month == date(2026, 4, 1)
    instance = ProcessInstance.objects.get(case=case)
    assert instance.status == "completed"
    assert not Timer.objects.filter(instance=instance).exists()


@pytest.mark.reaches("dibao", "end_refused")
@pytest.mark.reaches("written_notice", "end")
def test_it_refuses_at_acceptance_with_a_written_notice(world):
    case = apply(world)
    complete(
        world,
        "clerk",
        case,
        "acceptance",
        acceptance_decision="ineligible",
        acceptance_reasons="非本乡镇户籍",
    )
    assert open_tasks(case) == ["refusal_notice"]
    deliver_refusal(world, case, "2026-03-02")
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.monthly_amount is None


def test_it_asks_once_for_missing_papers_then_accepts(world):
    case = apply(world)
    complete(
        world,
        "clerk",
        case,
        "acceptance",
        acceptance_decision="incomplete",
        missing_items=["户口簿", "收入证明"],
    )
    assert open_tasks(case) == ["supplement"]
    complete(world, "clerk", case, "supplement", supplement_result="supplied")
    assert open_tasks(case) == ["acceptance"]
    accept(world, case)
    case.refresh_from_db()
    assert case.stage == "家庭经济状况核对中"
    assert runtime.waiting_messages(ProcessInstance.objects.get(case=case)) == ["check_result"]


@pytest.mark.reaches("dibao", "end_withdrawn")
def test_it_closes_as_withdrawn_when_papers_never_come(world):
    case = apply(world)
    complete(
        world,
        "clerk",
        case,
        "acceptance",
        acceptance_decision="incomplete",
        missing_items=["户口簿"],
    )
    complete(world, "clerk", case, "supplement", supplement_result="withdrawn")
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN


@pytest.mark.reaches("economic_check", "end_ineligible")
@pytest.mark.reaches("dibao", "end_refused")
def test_it_refuses_after_the_economic_check_without_objection(world):
    case = apply(world)
    accept(world, case)
    check(world, case, eligible=False)
    assert open_tasks(case) == ["check_objection"]
    complete(
        world, "clerk", case, "check_objection", notified_on="2026-03-02", applicant_objects=False
    )
    complete(
        world, "clerk", case, "refusal_notice", delivered_on="2026-03-03", delivery_method="post"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "名下有车辆"


def test_it_rechecks_when_the_applicant_objects_to_the_check(world):
    case = apply(world)
    accept(world, case)
    check(world, case, eligible=False)
    complete(
        world, "clerk", case, "check_objection", notified_on="2026-03-02", applicant_objects=True
    )
    case.refresh_from_db()
    assert case.stage == "家庭经济状况复核中"
    check(world, case, eligible=True)
    assert open_tasks(case) == ["investigate"]


@pytest.mark.reaches("public_notice", "end_objected")
@pytest.mark.reaches("dibao", "end_approved")
def test_it_reinvestigates_and_notices_again_after_an_objection(world):
    case = apply(world)
    to_notice(world, case)
    clock.advance(timedelta(days=3))
    case.refresh_from_db()
    actions.do_record_objection(
        case, actor=world["clerk"], objector="村民甲", reason="申请人有经营收入"
    )
    assert open_tasks(case) == ["investigate"]
    assert not Timer.objects.filter(instance__case=case).exists()
    investigate(world, case)
    complete(world, "reviewer", case, "opinion", opinion="approve")
    first_notice_end = Timer.objects.get(instance__case=case).due_at
    # The second notice runs its full seven days from its own start.
    assert pass_notice(days=5) == 0
    assert open_tasks(case) == []
    assert pass_notice(days=3) == 1
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert first_notice_end.date() == date(2026, 3, 12)
    data = runtime.instance_data(ProcessInstance.objects.get(case=case))
    assert data["notice_round"] == 2
    assert data["objections"][0]["reason"] == "申请人有经营收入"


def test_it_fires_the_notice_timer_only_after_its_days(world):
    case = apply(world)
    to_notice(world, case)
    timer = Timer.objects.get(instance__case=case)
    # Notice posted Monday 2 March: 7 full days, ends at midnight after 9 March (China time).
    assert timer.due_at.isoformat() == "2026-03-09T16:00:00+00:00"
    clock.set(timer.due_at - timedelta(seconds=1))
    assert runtime.fire_due_timers() == 0
    assert open_tasks(case) == []
    clock.set(timer.due_at + timedelta(seconds=1))
    assert runtime.fire_due_timers() == 1
    assert open_tasks(case) == ["county_confirm"]
    assert AuditEvent.objects.filter(case=case, action="timer.fired").count() == 1
    # A second run finds nothing due: firing is idempotent.
    assert runtime.fire_due_timers() == 0


def test_it_lets_the_township_confirm_where_the_county_delegated(world):
    RegionPolicy.objects.create(
        region=world.township_a,
        effective_from=date(2026, 1, 1),
        values={"confirm_level": "township"},
    )
    case = apply(world)
    to_notice(world, case)
    pass_notice()
    assert open_tasks(case) == ["township_confirm"]
    assert task(case, "township_confirm").lane_role == "township_reviewer"
    # The reviewer who gave the opinion may not confirm it.
    with pytest.raises(runtime.SeparationOfDuties):
        complete(world, "reviewer", case, "township_confirm", decision="approve")
    complete(world, "reviewer2", case, "township_confirm", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE


def test_it_refuses_at_confirmation_with_reasons(world):
    case = apply(world)
    to_notice(world, case)
    pass_notice()
    complete(
        world,
        "approver",
        case,
        "county_confirm",
        decision="refuse",
        decision_reasons="存在隐瞒收入",
    )
    assert open_tasks(case) == ["refusal_notice"]
    data = runtime.instance_data(ProcessInstance.objects.get(case=case))
    assert "行政复议" in data["remedies"] and "6个月" in data["remedies"]
    complete(
        world, "clerk", case, "refusal_notice", delivered_on="2026-03-12", delivery_method="village"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "存在隐瞒收入"
    # R11: the refused household goes onto the low-income monitoring list.
    entry = MonitoringEntry.objects.get(household=case.household)
    assert (entry.source_case, entry.reason) == (case, "refused: 存在隐瞒收入")


def test_it_refuses_when_income_is_above_the_standard(world):
    case = apply(world, wage="1900.00", members=3)
    accept(world, case)
    check(world, case)
    investigate(world, case)
    # Per-capita 633.33 >= rural standard 600: the opinion cannot send it to notice.
    complete(world, "reviewer", case, "opinion", opinion="approve")
    assert open_tasks(case) == ["refusal_notice"]


def test_it_skips_the_notice_for_a_household_of_minors(world):
    case = apply(world, minors_only=True, members=2, wage="")
    accept(world, case)
    check(world, case)
    investigate(world, case)
    complete(world, "reviewer", case, "opinion", opinion="approve")
    assert open_tasks(case) == ["county_confirm"]


def test_it_requires_two_different_investigators(world):
    case = apply(world)
    accept(world, case)
    check(world, case)
    complete(
        world,
        "investigator",
        case,
        "investigate",
        visited_on="2026-03-02",
        findings="情况属实，困难",
        matches_declaration=True,
    )
    with pytest.raises(runtime.SeparationOfDuties):
        complete(world, "investigator", case, "cosign", cosign_agrees=True)
    assert open_tasks(case) == ["cosign"]


def test_it_sets_statutory_due_dates_in_working_days(world):
    case = apply(world)
    # Acceptance: 5 working days from Monday 2 March 2026 is Monday 9 March.
    assert task(case, "acceptance").due_date == date(2026, 3, 9)


@pytest.mark.parametrize("days", [8, 9])
def test_it_makes_confirmation_due_ten_working_days_after_the_notice_ends(world, days):
    case = apply(world)
    to_notice(world, case)
    # Posted Monday 2 March, 7 days: the last day is Monday 9 March. Ten working days after
    # it is Monday 23 March, however late the timer fires (here up to Wednesday 11 March).
    assert pass_notice(days) == 1
    assert task(case, "county_confirm").due_date == date(2026, 3, 23)


def test_it_counts_confirmation_from_the_notice_in_working_days_too(world):
    RegionPolicy.objects.create(
        region=world.county, effective_from=date(2026, 1, 1), values={"notice_working_days": True}
    )
    case = apply(world)
    to_notice(world, case)
    # 7 working days from Monday 2 March: the last day is Wednesday 11 March.
    assert pass_notice(days=10) == 1
    assert task(case, "county_confirm").due_date == date(2026, 3, 25)


@pytest.mark.reaches("dibao", "end_approved")
def test_it_keeps_the_policy_a_case_started_with(world):
    case = apply(world, wage="900.00", members=3)
    # A higher standard takes effect after the application was lodged.
    RegionPolicy.objects.create(
        region=world.county,
        effective_from=date(2026, 3, 3),
        values={"dibao_standard_rural": "700.00"},
    )
    to_notice(world, case)
    pass_notice()
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    # Still (600 - 300) x 3: the running case keeps the standard in force when it started.
    assert case.monthly_amount == Decimal("900.00")
    later = apply(world, wage="900.00", members=3)
    to_notice(world, later)
    pass_notice()
    complete(world, "approver", later, "county_confirm", decision="approve")
    later.refresh_from_db()
    # A case started after the change gets the new standard: (700 - 300) x 3.
    assert later.monthly_amount == Decimal("1200.00")
