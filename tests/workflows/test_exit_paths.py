"""Every path of the exit process, end to end through actions, engine and projections."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assistance import actions
from assistance.models import CaseStatus, DeathRecord, MonitoringEntry, RegionPolicy
from assistance.processes.exit import do_report_death
from engine import runtime
from engine.clock import clock
from engine.models import ProcessInstance, Timer
from tests.fixtures import SHANGHAI
from tests.workflows.dibao import complete, open_tasks, pass_notice, task
from tests.workflows.exit import (
    active_case,
    active_dibao,
    approve_exit,
    deliver_notice,
    deploy_processes,
    exit_data,
    exit_instance,
    investigate_exit,
    start_exit,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


@pytest.fixture
def deployed(world):
    """Only the processes these tests run: deploying every diagram costs seconds a test."""
    deploy_processes(world, "dibao.bpmn", "exit.bpmn")


def monitoring(case) -> list[str]:
    return list(
        MonitoringEntry.objects.filter(household=case.household)
        .order_by("pk")
        .values_list("reason", flat=True)
    )


def subject(case):
    return case.household.members.order_by("pk").first()


@pytest.mark.reaches("exit", "end_closed")
@pytest.mark.reaches("public_notice", "end_passed")
@pytest.mark.reaches("written_notice", "end")
@pytest.mark.parametrize(
    ("kind", "reason", "text"),
    [
        ("dibao", "moved_away", "户籍迁出本地"),
        ("dibao", "prison", "被判处刑罚正在服刑"),
        ("dibao", "voluntary", "本人申请退出"),
        ("tekun", "work_capacity", "恢复劳动能力"),
        ("tekun", "supporter_found", "有法定赡养、抚养、扶养义务人且有能力履行"),
        # Tekun has no gradual exit: income above the limits stops it the month after.
        ("tekun", "income_above_standard", "家庭人均收入高于当地低保标准"),
    ],
)
def test_it_ends_dibao_and_tekun_after_the_termination_notice(world, kind, reason, text):
    case = active_case(world, kind)
    start_exit(world, case, reason)
    assert open_tasks(case) == ["investigate_exit"]
    investigate_exit(world, case)
    case.refresh_from_db()
    assert case.stage == "公示中"
    assert open_tasks(case) == []
    assert pass_notice(days=7) == 0
    assert pass_notice(days=1) == 1
    approve_exit(world, case)
    assert open_tasks(case) == ["refusal_notice"]
    deliver_notice(world, case)
    case.refresh_from_db()
    # Decided on 10 March, the day after the notice: benefits stop from 1 April.
    assert case.status == CaseStatus.CLOSED
    assert case.ended_on == date(2026, 4, 1)
    assert case.end_reason == reason
    assert case.outcome_reasons == text
    assert case.monthly_amount == Decimal("500.00")
    assert case.details["exits"][0]["decided_on"] == "2026-03-10"
    assert monitoring(case) == [f"exited: {reason}"]
    assert exit_instance(case).status == "completed"


@pytest.mark.reaches("exit", "end_closed")
@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("elderly", "moved_away"),
        ("disability", "prison"),
        ("orphan", "voluntary"),
        ("elderly", "income_above_standard"),
    ],
)
def test_it_ends_other_kinds_without_a_notice(world, kind, reason):
    case = active_case(world, kind)
    start_exit(world, case, reason)
    investigate_exit(world, case)
    assert open_tasks(case) == ["county_approval"]
    approve_exit(world, case)
    deliver_notice(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.ended_on == date(2026, 4, 1)
    assert case.end_reason == reason
    assert monitoring(case) == [f"exited: {reason}"]


@pytest.mark.reaches("exit", "end_closed")
def test_it_ends_on_a_recorded_death_without_investigation_notice_or_monitoring(world):
    case = active_case(world, "tekun")
    report = do_report_death(
        subject(case).resident_id, date(2026, 3, 1), actor=None, source="县殡葬管理所"
    )
    assert report.created and report.started == [case]
    assert open_tasks(case) == ["county_approval"]
    assert exit_data(case)["died_on"] == "2026-03-01"
    approve_exit(world, case)
    deliver_notice(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.end_reason == "death"
    assert case.ended_on == date(2026, 4, 1)
    assert case.outcome_reasons == "保障对象死亡"
    # The only member died: nobody is left to monitor.
    assert monitoring(case) == []


def test_it_investigates_a_death_reported_by_staff_without_a_record(world):
    case = active_case(world, "elderly")
    start_exit(world, case, "death")
    assert open_tasks(case) == ["investigate_exit"]
    assert exit_data(case)["death_recorded"] is False


def test_it_skips_the_investigation_for_a_death_staff_report_with_a_record(world):
    case = active_case(world, "elderly", members=2)
    DeathRecord.objects.create(
        resident_id=subject(case).resident_id,
        died_on=date(2026, 2, 20),
        source="医院",
        imported_at=clock.now(),
    )
    start_exit(world, case, "death")
    assert open_tasks(case) == ["county_approval"]
    approve_exit(world, case)
    deliver_notice(world, case)
    # A spouse survives: the household stays under monitoring.
    assert monitoring(case) == ["exited: death"]


@pytest.mark.reaches("exit", "end_closed")
def test_it_keeps_paying_through_the_gradual_exit_then_stops(world):
    case = active_dibao(world, wage="900.00", members=3)
    start_exit(world, case, "income_above_standard")
    investigate_exit(world, case)
    assert pass_notice() == 1
    approve_exit(world, case)
    deliver_notice(world, case)
    case.refresh_from_db()
    # Decided 18 March: six more months of benefit, April to September.
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal("900.00")
    assert case.stage == "渐退期（2026-04-01至2026-10-01）"
    timer = Timer.objects.get(instance=exit_instance(case))
    assert timer.due_at == datetime(2026, 10, 1, tzinfo=SHANGHAI)
    clock.set(datetime(2026, 9, 30, 23, 59, tzinfo=SHANGHAI))
    assert runtime.fire_due_timers() == 0
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal("900.00")
    clock.set(datetime(2026, 10, 1, 0, 1, tzinfo=SHANGHAI))
    assert runtime.fire_due_timers() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.ended_on == date(2026, 10, 1)
    assert case.end_reason == "income_above_standard"
    assert monitoring(case) == ["exited: income_above_standard"]


@pytest.mark.parametrize(
    ("region_values", "registered_poor", "months", "until"),
    [
        ({}, False, 6, date(2026, 10, 1)),
        # The registered-poor extension (6 months) replaces the gradual exit, not adds to it.
        ({}, True, 6, date(2026, 10, 1)),
        ({"exit_gradual_months": 12}, False, 12, date(2027, 4, 1)),
        ({"exit_gradual_months": 3}, True, 6, date(2026, 10, 1)),
        ({"exit_gradual_months": 3}, False, 3, date(2026, 7, 1)),
        (
            {"exit_gradual_months": 12, "exit_registered_poor_combination": "added"},
            True,
            18,
            date(2027, 10, 1),
        ),
    ],
)
def test_it_sets_the_gradual_period_from_the_region_policy(
    world, region_values, registered_poor, months, until
):
    if region_values:
        RegionPolicy.objects.create(
            region=world.township_a, effective_from=date(2026, 1, 1), values=region_values
        )
    case = active_case(world, "dibao", details={"registered_poor": registered_poor})
    start_exit(world, case, "income_above_standard")
    assert exit_data(case)["registered_poor"] is registered_poor
    investigate_exit(world, case)
    pass_notice()
    approve_exit(world, case)
    deliver_notice(world, case)
    data = exit_data(case)
    assert data["continued_months"] == months
    assert data["gradual_until"] == until.isoformat()
    timer = Timer.objects.get(instance=exit_instance(case))
    assert timer.due_at == datetime(until.year, until.month, until.day, tzinfo=SHANGHAI)


@pytest.mark.reaches("exit", "end_closed")
def test_it_stops_a_gradual_exit_at_once_when_the_person_dies(world):
    case = active_case(world, "dibao")
    start_exit(world, case, "income_above_standard")
    investigate_exit(world, case)
    pass_notice()
    approve_exit(world, case)
    deliver_notice(world, case)
    clock.advance(timedelta(days=60))  # 9 May
    report = do_report_death(
        subject(case).resident_id, date(2026, 5, 8), actor=None, source="县殡葬管理所"
    )
    assert report.delivered == [case] and report.started == []
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.end_reason == "death"
    assert case.ended_on == date(2026, 6, 1)
    assert not Timer.objects.filter(instance__case=case).exists()


@pytest.mark.reaches("exit", "end_closed")
def test_it_takes_a_death_record_arriving_during_the_investigation(world):
    case = active_case(world, "tekun")
    start_exit(world, case, "moved_away")
    assert runtime.waiting_messages(exit_instance(case)) == ["death_record"]
    report = do_report_death(
        subject(case).resident_id, date(2026, 3, 1), actor=None, source="公安户籍注销"
    )
    assert report.delivered == [case] and report.started == []
    assert ProcessInstance.objects.filter(case=case).count() == 1
    # Death needs neither the investigation nor a notice.
    assert open_tasks(case) == ["county_approval"]
    approve_exit(world, case)
    deliver_notice(world, case)
    case.refresh_from_db()
    assert case.end_reason == "death"
    assert monitoring(case) == []


@pytest.mark.reaches("exit", "end_recalculated")
def test_it_recalculates_when_one_of_three_members_dies(world):
    case = active_dibao(world, wage="900.00", members=3)
    assert case.monthly_amount == Decimal("900.00")
    child = case.household.members.order_by("pk")[1]
    report = do_report_death(child.resident_id, date(2026, 3, 9), actor=None, source="医院")
    assert report.started == [case]
    assert exit_data(case)["reason"] == "member_died"
    assert open_tasks(case) == ["county_approval"]
    approve_exit(world, case)
    assert (
        exit_data(case)["refusal_reasons"]
        == "家庭成员死亡，保障金额自2026-04-01起调整为每月300.00元"
    )
    deliver_notice(world, case)
    case.refresh_from_db()
    # Two left, income 900: per capita 450, (600 - 450) x 2 = 300.
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal("300.00")
    assert case.ended_on is None
    assert case.details["exits"][0]["amount_from"] == "2026-04-01"
    assert case.details["exits"][0]["previous_amount"] == "900.00"
    child.refresh_from_db()
    assert child.covered is False
    assert monitoring(case) == []


@pytest.mark.reaches("exit", "end_closed")
@pytest.mark.reaches("public_notice", "end_passed")
def test_it_stops_when_the_remaining_members_no_longer_qualify(world):
    # Income 1500 for three: per capita 500, amount 300; for two: 750 >= 600.
    case = active_dibao(world, wage="1500.00", members=3)
    assert case.monthly_amount == Decimal("300.00")
    child = case.household.members.order_by("pk")[2]
    do_report_death(child.resident_id, date(2026, 3, 9), actor=None, source="医院")
    case.refresh_from_db()
    assert case.stage == "公示中"
    assert pass_notice() == 1
    approve_exit(world, case)
    deliver_notice(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.end_reason == "member_died"
    assert case.ended_on == date(2026, 4, 1)
    assert monitoring(case) == ["exited: member_died"]


def test_it_leaves_a_running_exit_to_decide_after_a_member_dies(world):
    case = active_dibao(world, wage="900.00", members=3)
    start_exit(world, case, "moved_away")
    child = case.household.members.order_by("pk")[1]
    report = do_report_death(child.resident_id, date(2026, 3, 9), actor=None, source="医院")
    assert report.noted == [case] and report.started == [] and report.delivered == []
    assert ProcessInstance.objects.filter(case=case, definition__key="exit").count() == 1
    assert open_tasks(case) == ["investigate_exit"]


@pytest.mark.reaches("exit", "end_not_confirmed")
@pytest.mark.reaches("public_notice", "end_objected")
def test_it_reinvestigates_after_an_objection_to_the_termination_notice(world):
    case = active_case(world, "dibao")
    start_exit(world, case, "moved_away")
    investigate_exit(world, case)
    clock.advance(timedelta(days=3))
    case.refresh_from_db()
    actions.do_record_objection(
        case, actor=world["clerk"], objector="村民乙", reason="户口仍在本村，人也在村里"
    )
    assert open_tasks(case) == ["investigate_exit"]
    assert not Timer.objects.filter(instance__case=case).exists()
    investigate_exit(world, case, confirmed=False)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.ended_on is None
    assert case.details["exits"] == [
        {
            "reason": "moved_away",
            "outcome": "continued",
            "on": "2026-03-05",
            "result": "not_confirmed",
        }
    ]
    data = exit_data(case)
    assert data["notice_round"] == 1
    assert data["objections"][0]["reason"] == "户口仍在本村，人也在村里"
    assert monitoring(case) == []


@pytest.mark.reaches("exit", "end_rejected")
def test_it_continues_when_the_county_rejects_the_exit(world):
    case = active_case(world, "disability")
    start_exit(world, case, "moved_away")
    investigate_exit(world, case)
    complete(
        world,
        "approver",
        case,
        "county_approval",
        decision="reject",
        decision_reasons="仅外出务工，户籍未迁出",
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.details["exits"][0]["result"] == "rejected"
    assert monitoring(case) == []
    # The case can be taken up again later.
    start_exit(world, case, "voluntary")
    assert open_tasks(case) == ["investigate_exit"]


@pytest.mark.reaches("exit", "end_closed")
@pytest.mark.parametrize(
    ("offer", "entry"),
    [("dibao", "offer dibao application"), ("temporary", "offer temporary aid application")],
)
def test_it_offers_another_application_to_an_exited_tekun_person(world, offer, entry):
    case = active_case(world, "tekun")
    start_exit(world, case, "supporter_found")
    investigate_exit(world, case, offer=offer)
    pass_notice()
    approve_exit(world, case)
    assert exit_data(case)["offer_application"] == offer
    deliver_notice(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.details["exits"][0]["offered_application"] == offer
    assert monitoring(case) == [entry]


def test_it_sets_statutory_due_dates(world):
    case = active_case(world, "elderly")
    start_exit(world, case, "moved_away")
    # 15 working days from Monday 2 March 2026.
    assert task(case, "investigate_exit").due_date == date(2026, 3, 23)
    investigate_exit(world, case)
    assert task(case, "county_approval").due_date == date(2026, 3, 16)


def test_it_refuses_an_exit_outside_jurisdiction_or_role(world):
    case = active_case(world, "dibao")
    with pytest.raises(Http404):
        start_exit(world, case, "moved_away", user="outsider")
    with pytest.raises(PermissionDenied):
        start_exit(world, case, "moved_away", user="auditor")
    with pytest.raises(PermissionDenied):
        start_exit(world, case, "moved_away", user="investigator")
    with pytest.raises(Http404):
        do_report_death(
            subject(case).resident_id, date(2026, 3, 1), actor=world["outsider"], source="医院"
        )
    assert not ProcessInstance.objects.filter(case=case).exists()
    assert not DeathRecord.objects.exists()


def test_it_refuses_an_exit_the_rules_do_not_allow(world):
    case = active_case(world, "dibao")
    with pytest.raises(actions.ActionError, match="not a reason"):
        start_exit(world, case, "work_capacity")
    start_exit(world, case, "moved_away", user="reviewer")
    with pytest.raises(actions.ActionError, match="already under way"):
        start_exit(world, case, "prison")
    closed = active_case(world, "elderly")
    closed.status = CaseStatus.CLOSED
    closed.save()
    with pytest.raises(actions.ActionError, match="Only an active case"):
        start_exit(world, closed, "moved_away")
    assert ProcessInstance.objects.filter(definition__key="exit").count() == 1


def test_it_makes_the_exit_approval_due_ten_working_days_after_the_termination_notice(world):
    case = active_case(world, "dibao")
    start_exit(world, case, "moved_away")
    investigate_exit(world, case)
    # Notice posted Monday 2 March, last day Monday 9 March: due ten working days later.
    assert pass_notice(days=9) == 1
    assert task(case, "county_approval").due_date == date(2026, 3, 23)


@pytest.mark.reaches("exit", "end_closed")
def test_it_stops_payment_the_month_after_a_death_reported_late(world):
    case = active_case(world, "tekun")
    # Died 20 January, reported on 2 March: no benefit from February, whatever the decision date.
    do_report_death(subject(case).resident_id, date(2026, 1, 20), actor=None, source="公安户籍注销")
    approve_exit(world, case)
    deliver_notice(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.ended_on == date(2026, 2, 1)
    assert case.details["exits"][0]["overpaid_from"] == "2026-02-01"
    assert case.details["exits"][0]["died_on"] == "2026-01-20"


def test_it_stops_payment_the_month_after_a_death_staff_found_on_the_visit(world):
    case = active_case(world, "elderly")
    start_exit(world, case, "death")
    complete(
        world,
        "investigator",
        case,
        "investigate_exit",
        visited_on=clock.today().isoformat(),
        findings="经入户核实，对象已于1月去世",
        reason_confirmed=True,
        died_on="2026-01-05",
    )
    approve_exit(world, case)
    deliver_notice(world, case)
    case.refresh_from_db()
    assert case.ended_on == date(2026, 2, 1)


@pytest.mark.reaches("exit", "end_closed")
def test_it_ends_a_gradual_exit_the_month_after_the_death_not_the_report(world):
    case = active_case(world, "dibao")
    start_exit(world, case, "income_above_standard")
    investigate_exit(world, case)
    pass_notice()
    approve_exit(world, case)
    deliver_notice(world, case)
    clock.advance(timedelta(days=60))  # 9 May
    do_report_death(subject(case).resident_id, date(2026, 4, 20), actor=None, source="医院")
    case.refresh_from_db()
    assert case.end_reason == "death"
    assert case.ended_on == date(2026, 5, 1)


@pytest.mark.reaches("exit", "end_recalculated")
def test_it_recalculates_from_the_month_after_a_member_died(world):
    case = active_dibao(world, wage="900.00", members=3)
    clock.advance(timedelta(days=40))  # 19 April
    child = case.household.members.order_by("pk")[1]
    do_report_death(child.resident_id, date(2026, 3, 28), actor=None, source="医院")
    approve_exit(world, case)
    deliver_notice(world, case)
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("300.00")
    assert case.details["exits"][0]["amount_from"] == "2026-04-01"
