"""Every path of the elderly allowance and its yearly check, end to end."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from guardian.shortcuts import assign_perm

from assistance import actions
from assistance.models import Case, CaseStatus, RegionPolicy
from engine import runtime
from engine.clock import clock
from engine.models import InstanceStatus, ProcessInstance
from tests.workflows.elderly import (
    active_dibao_member,
    apply,
    apply_needy_in_dibao_household,
    approve,
    born_aged,
    complete,
    data_of,
    deploy_elderly,
    open_tasks,
    reach_yearly_check,
    running_check,
    task,
    verify,
    yearly_timer,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "elderly_deployed")]


@pytest.fixture
def elderly_deployed(world):
    deploy_elderly(world["policy"])


@pytest.mark.reaches("elderly", "end_approved")
def test_it_approves_the_old_age_allowance_and_schedules_the_yearly_check(world):
    case = apply(world, born_aged(85))
    assert case.number.startswith("GL2026")
    assert open_tasks(case) == ["verify"]
    # Ten working days from Monday 2 March 2026.
    assert task(case, "verify").due_date == date(2026, 3, 16)
    verify(world, case)
    assert open_tasks(case) == ["county_confirm"]
    assert task(case, "county_confirm").lane_role == "county_approver"
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal("30.00")
    assert case.decided_on == date(2026, 3, 2)
    assert case.start_month == date(2026, 4, 1)
    assert case.details == {"allowance": "old_age", "band": "80-89周岁"}
    # The yearly check waits for the start of 2 March 2027, China time.
    assert yearly_timer(case).due_at.isoformat() == "2027-03-01T16:00:00+00:00"
    assert open_tasks(case) == []


@pytest.mark.reaches("elderly", "end_approved")
def test_it_approves_the_needy_elderly_subsidy_for_a_dibao_member(world):
    dibao, elder = active_dibao_member(world, born_aged(70))
    case = apply_needy_in_dibao_household(world, dibao, elder)
    assert data_of(case)["amount"] == {"monthly_amount": "50.00", "band": "困难老年人", "age": 70}
    approve(world, case)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal("50.00")
    assert running_check(case).status == InstanceStatus.RUNNING


def test_it_refuses_the_needy_elderly_subsidy_on_the_spot_without_dibao(world):
    with pytest.raises(actions.ActionError, match="only for people covered by dibao"):
        apply(world, born_aged(70), allowance="needy_elderly")
    assert not Case.objects.exists()


def test_it_refuses_the_needy_elderly_subsidy_when_the_dibao_case_has_ended(world):
    dibao, elder = active_dibao_member(world, born_aged(70))
    Case.objects.filter(pk=dibao.pk).update(status=CaseStatus.CLOSED)
    with pytest.raises(actions.ActionError, match="only for people covered by dibao"):
        apply_needy_in_dibao_household(world, dibao, elder)


@pytest.mark.reaches("elderly", "end_refused")
@pytest.mark.reaches("written_notice", "end")
def test_it_refuses_at_county_confirmation_with_a_written_notice(world):
    case = apply(world, born_aged(92))
    verify(world, case)
    complete(
        world,
        "approver",
        case,
        "county_confirm",
        decision="refuse",
        decision_reasons="已在外省领取高龄津贴",
    )
    assert open_tasks(case) == ["refusal_notice"]
    assert "行政复议" in data_of(case)["remedies"]
    complete(
        world, "clerk", case, "refusal_notice", delivered_on="2026-03-03", delivery_method="post"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "已在外省领取高龄津贴"
    assert case.monthly_amount is None
    assert not ProcessInstance.objects.filter(case=case, definition__key="elderly_yearly_check")


@pytest.mark.reaches("elderly", "end_refused")
def test_it_refuses_when_the_data_comparison_does_not_match(world):
    case = apply(world, born_aged(81))
    verify(world, case, passed=False)
    assert open_tasks(case) == ["refusal_notice"]
    complete(
        world, "clerk", case, "refusal_notice", delivered_on="2026-03-02", delivery_method="village"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.outcome_reasons == "户籍已于去年迁出本镇"


@pytest.mark.reaches("elderly", "end_refused")
def test_it_refuses_when_the_band_table_has_no_band_for_the_age(world):
    # A county lowered the on-the-spot age limit without deploying its own band table.
    RegionPolicy.objects.create(
        region=world.township_a,
        effective_from=date(2026, 1, 1),
        values={"elderly_allowance_min_age": 75},
    )
    case = apply(world, born_aged(77))
    assert open_tasks(case) == ["refusal_notice"]
    assert data_of(case)["refusal_reasons"] == "申请人77周岁，不符合本地补贴年龄条件"
    complete(
        world, "clerk", case, "refusal_notice", delivered_on="2026-03-02", delivery_method="post"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED


def test_it_keeps_the_verifier_from_confirming(world):
    # A county official who also acts as clerk may not confirm what they verified.
    world["clerk"].groups.add(*world["approver"].groups.all())
    assign_perm("assistance.act_in_region", world["clerk"], world.county)
    case = apply(world, born_aged(88))
    verify(world, case)
    with pytest.raises(runtime.SeparationOfDuties):
        complete(world, "clerk", case, "county_confirm", decision="approve")


@pytest.mark.reaches("elderly_yearly_check", "end_continued")
@pytest.mark.reaches("elderly_yearly_check", "end_closed")
def test_it_checks_yearly_moves_into_the_next_band_and_stops_on_death(world):
    # 89 on the application day, 90 from 15 June 2026.
    case = apply(world, date(1936, 6, 15))
    approve(world, case)
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("30.00")
    timer = yearly_timer(case)
    # Nothing happens before the year is over.
    clock.set(timer.due_at - timedelta(seconds=1))
    assert runtime.fire_due_timers() == 0
    assert open_tasks(case) == []
    clock.set(timer.due_at + timedelta(seconds=1))
    assert runtime.fire_due_timers() == 1
    assert open_tasks(case) == ["yearly_check"]
    assert task(case, "yearly_check").due_date == date(2027, 3, 16)
    complete(
        world,
        "clerk",
        case,
        "yearly_check",
        checked_on="2027-03-02",
        check_status="alive_resident",
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    assert case.monthly_amount == Decimal("60.00")
    assert case.details["band"] == "90-99周岁"
    first = data_of(case, "elderly_yearly_check", nth=0)
    assert first["band_changed"] is True and first["age"] == 90
    # The next check is anchored on the anniversary, not on the day of this check.
    assert yearly_timer(case).due_at.isoformat() == "2028-03-01T16:00:00+00:00"
    assert data_of(case, "elderly_yearly_check")["check_round"] == 2
    reach_yearly_check(case)
    complete(
        world,
        "clerk",
        case,
        "yearly_check",
        checked_on="2028-03-02",
        check_status="deceased",
        died_on="2028-01-10",
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.end_reason == "death"
    # Paid for the month of death, stopped from the next month.
    assert case.ended_on == date(2028, 2, 1)
    assert case.decided_on == date(2028, 3, 2)
    assert case.outcome_reasons == "2028-01-10死亡"
    assert case.monthly_amount == Decimal("60.00")
    assert not ProcessInstance.objects.filter(case=case, status=InstanceStatus.RUNNING).exists()


@pytest.mark.reaches("elderly_yearly_check", "end_closed")
@pytest.mark.parametrize(
    ("answer", "end_reason", "ended_on", "reasons"),
    [
        ({"check_status": "moved_away", "moved_on": "2026-12-20"}, "moved_away",
         date(2027, 1, 1), "2026-12-20户籍迁出"),
        ({"check_status": "ineligible", "check_reasons": "已退出低保"}, "ineligible",
         date(2027, 4, 1), "已退出低保"),
    ],
)  # fmt: skip
def test_it_stops_when_the_yearly_check_finds_the_person_no_longer_entitled(
    world, answer, end_reason, ended_on, reasons
):
    dibao, elder = active_dibao_member(world, born_aged(75))
    case = apply_needy_in_dibao_household(world, dibao, elder)
    approve(world, case)
    reach_yearly_check(case)
    complete(world, "clerk", case, "yearly_check", checked_on="2027-03-02", **answer)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert (case.end_reason, case.ended_on, case.outcome_reasons) == (end_reason, ended_on, reasons)


@pytest.mark.reaches("elderly_yearly_check", "end_closed")
def test_it_stops_the_needy_elderly_subsidy_at_100(world):
    # 99 on the application day, 100 at the yearly check: the table has no needy band then.
    dibao, elder = active_dibao_member(world, born_aged(99, days_after_birthday=30))
    case = apply_needy_in_dibao_household(world, dibao, elder)
    approve(world, case)
    reach_yearly_check(case)
    complete(
        world, "clerk", case, "yearly_check", checked_on="2027-03-02", check_status="alive_resident"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.end_reason == "ineligible"
    assert case.ended_on == date(2027, 4, 1)
    assert case.outcome_reasons == "100周岁，不再符合补贴年龄条件"


def test_it_keeps_the_amount_when_the_band_is_unchanged(world):
    case = apply(world, born_aged(84))
    approve(world, case)
    first_instance = running_check(case)
    reach_yearly_check(case)
    complete(
        world, "clerk", case, "yearly_check", checked_on="2027-03-02", check_status="alive_resident"
    )
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("30.00")
    assert data_of(case, "elderly_yearly_check")["check_round"] == 2
    assert running_check(case).pk != first_instance.pk
    finished = data_of(case, "elderly_yearly_check", nth=0)
    assert finished["band_changed"] is False and finished["age"] == 85


def test_it_refuses_confirmation_without_the_application_form_and_id_card(world):
    case = apply(world, born_aged(85))
    complete(
        world,
        "clerk",
        case,
        "verify",
        verified_on=clock.today().isoformat(),
        compared_with=["hukou", "id_card", "funeral"],
        verify_result="pass",
    )
    with pytest.raises(runtime.EvidenceMissing) as refused:
        complete(world, "approver", case, "county_confirm", decision="approve")
    assert refused.value.missing == ["application_form", "id_cards"]
    assert "Application form, ID cards" in str(refused.value)
    assert open_tasks(case) == ["county_confirm"]
