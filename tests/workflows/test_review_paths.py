"""Every path of the review process, from the daily start to the case's new amount or exit."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from assistance import access, actions
from assistance.models import CaseStatus, MonitoringEntry, RegionPolicy
from assistance.processes import review
from engine import runtime
from engine.clock import clock
from engine.models import AuditEvent, ProcessInstance, Task
from tests.fixtures import SHANGHAI
from tests.workflows.dibao import complete, deliver_refusal, open_tasks
from tests.workflows.exit import exit_instance
from tests.workflows.review import (
    active_case,
    check,
    confirm,
    data,
    decide,
    deploy_review,
    reinvestigate,
    review_instance,
    set_wage,
    start_review,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "review_deployed")]


@pytest.fixture
def review_deployed(world):
    deploy_review(world)


@pytest.mark.reaches("review", "end_reviewed")
@pytest.mark.reaches("economic_check", "end_eligible")
def test_it_continues_without_county_confirmation(world):
    # Rural standard 600, wage 900 over 3 people = 300 per head: (600 - 300) x 3 = 900.
    case = start_review(world, wage="900.00", amount="900.00")
    assert open_tasks(case) == []
    assert case.stage == "家庭经济状况核对中"
    # The application's own check action: a plain eligible report, nothing changed.
    actions.do_record_check_result(case, actor=world["checker"], eligible=True, report_no="HD-9")
    assert open_tasks(case) == ["decide"]
    assert data(case)["proposed_amount"] == "900.00"
    decide(world, case, "continue")
    case.refresh_from_db()
    assert open_tasks(case) == []
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal("900.00")
    assert case.details["last_review_on"] == "2026-03-02"
    assert case.details["last_review_result"] == "continue"
    assert review_instance(case).status == "completed"


@pytest.mark.parametrize(
    ("changed", "first_task"),
    [(False, "decide"), (True, "investigate")],
)
def test_it_reinvestigates_only_when_the_check_flags_a_change(world, changed, first_task):
    case = start_review(world)
    check(world, case, changed=changed)
    assert open_tasks(case) == [first_task]


@pytest.mark.reaches("review", "end_reviewed")
@pytest.mark.reaches("home_investigation", "end")
@pytest.mark.parametrize(
    ("wage", "decision", "proposed", "expected"),
    [
        # Wage fell to 600: 200 per head, (600 - 200) x 3 = 1200.
        ("600.00", "increase", "1200.00", "1200.00"),
        # Wage rose to 1200: 400 per head, (600 - 400) x 3 = 600.
        ("1200.00", "decrease", "600.00", "600.00"),
    ],
)
def test_it_changes_the_amount_after_reinvestigation_and_county_confirmation(
    world, wage, decision, proposed, expected
):
    case = active_case(world, wage="900.00", amount="900.00", review_class="A", due_today=True)
    # The household reported the change before its review: the review starts with it.
    set_wage(case, wage)
    assert review.start_due_reviews(clock.today()) == 1
    check(world, case, changed=True)
    reinvestigate(world, case)
    assert open_tasks(case) == ["decide"]
    assert data(case)["proposed_amount"] == proposed
    decide(world, case, decision)
    assert open_tasks(case) == ["county_confirm"]
    confirm(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal(expected)
    assert case.details["last_review_result"] == decision
    decided = AuditEvent.objects.get(case=case, action="case.decided")
    assert decided.payload["process"] == "review"
    assert decided.payload["monthly_amount"] == expected


@pytest.mark.reaches("review", "end_exit")
@pytest.mark.reaches("exit", "end_closed")
@pytest.mark.reaches("public_notice", "end_passed")
@pytest.mark.reaches("written_notice", "end")
def test_it_hands_an_exit_for_income_to_the_exit_process_with_its_gradual_exit(world):
    # Wage 2100 over 3 people = 700 per head, above the rural standard of 600: nothing to pay.
    case = start_review(world, wage="2100.00", amount="900.00")
    check(world, case, changed=True, reasons="新增工资收入")
    reinvestigate(world, case)
    assert data(case)["proposed_amount"] == "0.00"
    # A recalculated amount of 0 allows only an exit: the decision comes back.
    decide(world, case, "continue")
    assert open_tasks(case) == ["decide"]
    assert data(case)["review_problem"] == "recalculated_amount_is_zero"
    decide(world, case, "exit", decision_reasons="家庭人均收入高于低保标准")
    # Not closed by the review: the exit process posts the termination notice first.
    case.refresh_from_db()
    assert review_instance(case).status == "completed"
    assert case.status == CaseStatus.ACTIVE
    assert case.details["last_review_result"] == "exit"
    exit = exit_instance(case)
    assert exit.status == "running"
    assert runtime.instance_data(exit)["reason"] == "income_above_standard"
    assert case.stage == "公示中"
    assert open_tasks(case) == []
    clock.advance(timedelta(days=8))
    assert runtime.fire_due_timers() == 1
    complete(world, "approver", case, "county_approval", decision="approve")
    # The written notice with the reasons and the remedies (行政复议, 行政诉讼).
    assert open_tasks(case) == ["refusal_notice"]
    deliver_refusal(world, case)
    case.refresh_from_db()
    # Decided 10 March: the gradual exit pays six more months, April to September.
    assert case.status == CaseStatus.ACTIVE
    assert case.stage == "渐退期（2026-04-01至2026-10-01）"
    clock.set(datetime(2026, 10, 1, 0, 1, tzinfo=SHANGHAI))
    assert runtime.fire_due_timers() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.ended_on == date(2026, 10, 1)
    assert case.end_reason == "income_above_standard"
    assert case.outcome_reasons == "家庭人均收入高于低保标准"
    assert case.details["exits"][0]["decided_at_review"] is True
    assert case.monthly_amount == Decimal("900.00")  # the last amount paid, until October
    entry = MonitoringEntry.objects.get(source_case=case)
    assert entry.household_id == case.household_id


@pytest.mark.reaches("economic_check", "end_ineligible")
@pytest.mark.reaches("review", "end_exit")
def test_it_exits_after_an_ineligible_check_through_the_exit_process(world):
    case = start_review(world)
    check(world, case, eligible=False, reasons="名下新增车辆")
    complete(
        world, "clerk", case, "check_objection", notified_on="2026-03-02", applicant_objects=False
    )
    assert open_tasks(case) == ["investigate"]
    reinvestigate(world, case)
    assert data(case)["proposed_amount"] == "0.00"
    decide(
        world,
        case,
        "exit",
        exit_reason="moved_away",
        decision_reasons="户籍已迁出本县，不再符合条件",
    )
    clock.advance(timedelta(days=8))
    assert runtime.fire_due_timers() == 1
    complete(world, "approver", case, "county_approval", decision="approve")
    deliver_refusal(world, case)
    case.refresh_from_db()
    # No gradual exit for moving away: benefits stop the month after the decision.
    assert case.status == CaseStatus.CLOSED
    assert case.end_reason == "moved_away"
    assert case.ended_on == date(2026, 4, 1)


def test_it_gives_a_registered_poor_household_the_extension_after_a_review_exit(world):
    case = start_review(world, wage="2100.00", amount="900.00")
    case.details = {"registered_poor": True}
    case.save(update_fields=["details"])
    RegionPolicy.objects.create(
        region=world.county, effective_from=date(2026, 1, 1), values={"exit_gradual_months": 3}
    )
    check(world, case, changed=True, reasons="新增工资收入")
    reinvestigate(world, case)
    decide(world, case, "exit", decision_reasons="家庭人均收入高于低保标准")
    clock.advance(timedelta(days=8))
    runtime.fire_due_timers()
    complete(world, "approver", case, "county_approval", decision="approve")
    deliver_refusal(world, case)
    # Seed 004: six months for registered-poor households, not the county's 3 gradual months.
    assert runtime.instance_data(exit_instance(case))["continued_months"] == 6


def test_it_returns_the_decision_when_the_county_disagrees(world):
    case = start_review(world, wage="1200.00", amount="900.00")
    check(world, case)
    decide(world, case, "decrease", new_amount=300)
    with pytest.raises(Exception, match="confirmation_reasons"):
        confirm(world, case, "return")
    confirm(world, case, "return", confirmation_reasons="减发幅度过大")
    assert open_tasks(case) == ["decide"]
    decide(world, case, "decrease")
    confirm(world, case)
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("600.00")


@pytest.mark.parametrize(
    ("decision", "new_amount", "tasks_after", "problem"),
    [
        ("decrease", None, ["decide"], "not_a_decrease"),  # 800 kept: not a decrease
        ("increase", 700, ["decide"], "not_an_increase"),
        ("decrease", 650, ["county_confirm"], ""),
    ],
)
def test_it_keeps_the_amount_of_other_kinds_unless_the_reviewer_enters_one(
    world, decision, new_amount, tasks_after, problem
):
    case = start_review(world, kind="tekun", amount="800.00")
    check(world, case)
    assert data(case)["proposed_amount"] == "800.00"
    extra = {"new_amount": new_amount} if new_amount is not None else {}
    decide(world, case, decision, **extra)
    assert open_tasks(case) == tasks_after
    assert data(case)["review_problem"] == problem


def test_it_sets_a_new_amount_entered_for_another_kind(world):
    case = start_review(world, kind="tekun", amount="800.00")
    check(world, case)
    decide(world, case, "decrease", new_amount=650)
    confirm(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal("650.00")


def test_it_puts_review_tasks_in_the_township_queues(world):
    case = start_review(world, wage="1200.00")
    check(world, case, changed=True)
    investigate_task = Task.objects.get(case=case, spec_name="investigate")
    assert investigate_task.lane_role == "township_investigator"
    assert investigate_task in access.inbox(world["investigator"])
    assert investigate_task not in access.inbox(world["outsider"])
    reinvestigate(world, case)
    decide_task = Task.objects.get(case=case, spec_name="decide")
    assert list(access.inbox(world["reviewer"]).filter(case=case)) == [decide_task]
    assert not access.inbox(world["clerk"]).filter(case=case).exists()
    # Opinion due in 5 working days from Monday 2 March 2026: Monday 9 March.
    assert decide_task.due_date == date(2026, 3, 9)
    decide(world, case, "decrease")
    confirm_task = Task.objects.get(case=case, spec_name="county_confirm")
    assert confirm_task in access.inbox(world["approver"])
    assert confirm_task not in access.inbox(world["reviewer"])
    case.refresh_from_db()
    assert case.stage == "县级确认复核变更"


def test_it_requires_written_reasons_for_a_change(world):
    case = start_review(world)
    check(world, case)
    with pytest.raises(Exception, match="decision_reasons"):
        complete(world, "reviewer", case, "decide", review_decision="exit")
    assert open_tasks(case) == ["decide"]


def test_it_notes_a_review_exit_on_an_exit_already_under_way(world):
    from assistance.processes.exit import do_report_death

    # Staff cannot start an exit beside a running review; a death record can.
    case = start_review(world, wage="2100.00", amount="900.00", members=1)
    check(world, case, changed=True, reasons="新增工资收入")
    reinvestigate(world, case)
    case.refresh_from_db()
    member = case.household.members.get()
    do_report_death(member.resident_id, clock.today(), actor=world["clerk"], source="派出所")
    decide(world, case, "exit", decision_reasons="家庭人均收入高于低保标准")
    assert review_instance(case).status == "completed"
    exits = ProcessInstance.objects.filter(case=case, definition__key="exit")
    assert [instance.status for instance in exits] == ["running"]
    noted = AuditEvent.objects.get(case=case, action="case.exit_noted")
    assert noted.payload["reasons"] == "家庭人均收入高于低保标准"
