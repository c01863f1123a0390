"""A change reported on an active case starts the process it calls for (do_report_change)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assistance.actions import ActionError
from assistance.models import CaseRecusal, DeathRecord
from assistance.processes.changes import do_report_change
from engine import runtime
from engine.models import AuditEvent, InstanceStatus, ProcessInstance, Task
from tests.workflows.dibao import apply
from tests.workflows.exit import active_case, exit_data, start_exit
from tests.workflows.review import active_case as dibao_household

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def running(case) -> list[str]:
    return sorted(
        ProcessInstance.objects.filter(case=case, status=InstanceStatus.RUNNING).values_list(
            "definition__key", flat=True
        )
    )


@pytest.mark.parametrize("change", ["income", "members"])
def test_it_starts_a_review_for_a_change_of_income_or_members(world, change):
    case = dibao_household(world, review_class="A")
    reported = do_report_change(case, actor=world["clerk"], change=change, note=" 新添一名新生儿 ")
    assert (reported.change, reported.effect) == (change, "review")
    assert running(case) == ["review"]
    data = runtime.instance_data(reported.instance)
    assert data["reported_change"] == {
        "change": change,
        "note": "新添一名新生儿",
        "reported_on": "2026-03-02",
    }
    # The review starts at the check centre, like a periodic one.
    assert data["current_amount"] == "900.00" and data["review_class"] == "A"
    event = AuditEvent.objects.get(case=case, action="case.change_reported")
    assert (event.actor_name, event.payload) == (
        "clerk",
        {"change": change, "note": "新添一名新生儿"},
    )
    case.refresh_from_db()
    # The periodic schedule is left as it was.
    assert case.next_review_on is None


def test_it_starts_the_care_reassessment_of_extreme_poverty_support(world):
    case = active_case(world, "tekun", details={"care_level": "partial"})
    reported = do_report_change(case, actor=world["investigator"], change="care", note="中风卧床")
    assert reported.effect == "reassessment"
    assert running(case) == ["tekun_reassessment"]
    assert Task.objects.filter(case=case, spec_name="reassessment").exists()


def test_it_records_the_death_of_the_subject_and_starts_the_exit(world):
    case = active_case(world, "elderly")
    subject = case.household.members.get()
    reported = do_report_change(
        case,
        actor=world["reviewer"],
        change="death",
        note="家属报告",
        member=subject,
        died_on=date(2026, 2, 20),
    )
    assert reported.effect == "exit"
    record = DeathRecord.objects.get(resident_id=subject.resident_id)
    assert (record.died_on, record.source) == (date(2026, 2, 20), "家属报告")
    data = exit_data(case)
    assert (data["reason"], data["death_recorded"], data["died_on"]) == (
        "death",
        True,
        "2026-02-20",
    )
    with pytest.raises(ActionError, match="already on record"):
        do_report_change(
            case,
            actor=world["clerk"],
            change="death",
            note="家属报告",
            member=subject,
            died_on=date(2026, 2, 20),
        )


def test_it_recalculates_after_the_death_of_one_covered_member_of_several(world):
    case = dibao_household(world, members=3)
    member = case.household.members.exclude(is_applicant=True).first()
    reported = do_report_change(
        case,
        actor=world["clerk"],
        change="death",
        note="村委会",
        member=member,
        died_on=date(2026, 3, 1),
    )
    assert reported.effect == "recalculation"
    assert exit_data(case)["reason"] == "member_died"


def test_it_hands_a_death_to_the_exit_under_way(world):
    case = active_case(world, "elderly")
    start_exit(world, case, "moved_away")
    reported = do_report_change(
        case,
        actor=world["clerk"],
        change="death",
        note="家属报告",
        member=case.household.members.get(),
        died_on=date(2026, 2, 28),
    )
    assert reported.effect == "noted"
    assert running(case) == ["exit"]
    assert exit_data(case)["reason"] == "death"


def test_it_records_a_death_that_does_not_end_the_case(world):
    # Covered alone (single-person cover): the other member's death changes nothing here.
    case = active_case(world, "elderly", members=2)
    other = case.household.members.get(is_applicant=False)
    reported = do_report_change(
        case,
        actor=world["clerk"],
        change="death",
        note="家属",
        member=other,
        died_on=date(2026, 3, 1),
    )
    assert (reported.effect, reported.instance) == ("recorded", None)
    assert DeathRecord.objects.filter(resident_id=other.resident_id).exists()
    assert running(case) == []


def test_it_refuses_changes_that_do_not_fit_the_case(world):
    dibao = dibao_household(world)
    with pytest.raises(ActionError, match="Choose what changed"):
        do_report_change(dibao, actor=world["clerk"], change="property", note="买房")
    with pytest.raises(ActionError, match="cannot be reported"):
        do_report_change(dibao, actor=world["clerk"], change="care", note="中风")
    with pytest.raises(ActionError, match="Describe the change"):
        do_report_change(dibao, actor=world["clerk"], change="income", note=" 涨 ")
    elderly = active_case(world, "elderly")
    with pytest.raises(ActionError, match="cannot be reported"):
        do_report_change(elderly, actor=world["clerk"], change="income", note="有了工资")
    with pytest.raises(ActionError, match="member of the household"):
        do_report_change(
            elderly,
            actor=world["clerk"],
            change="death",
            note="家属",
            member=dibao.household.members.first(),
            died_on=date(2026, 3, 1),
        )
    with pytest.raises(ActionError, match="date of death"):
        do_report_change(
            elderly,
            actor=world["clerk"],
            change="death",
            note="家属",
            member=elderly.household.members.get(),
        )
    pending = apply(world)
    with pytest.raises(ActionError, match="cannot be reported"):
        do_report_change(pending, actor=world["clerk"], change="income", note="有了工资")
    assert not DeathRecord.objects.exists()
    assert running(dibao) == running(elderly) == []


def test_it_refuses_a_second_process_on_the_case(world):
    case = dibao_household(world)
    do_report_change(case, actor=world["clerk"], change="income", note="有了工资")
    with pytest.raises(ActionError, match="already has a process"):
        do_report_change(case, actor=world["village_clerk"], change="members", note="分户")
    assert running(case) == ["review"]


def test_it_takes_each_report_only_from_the_roles_that_receive_it(world):
    case = dibao_household(world)
    member = case.household.members.first()
    death = {"change": "death", "note": "村民", "member": member, "died_on": date(2026, 3, 1)}
    with pytest.raises(PermissionDenied):
        do_report_change(case, actor=world["village_clerk"], **death)
    with pytest.raises(PermissionDenied):
        do_report_change(case, actor=world["investigator"], change="income", note="工资")
    with pytest.raises(PermissionDenied):
        do_report_change(case, actor=world["auditor"], change="income", note="工资")
    with pytest.raises(Http404):
        do_report_change(case, actor=world["outsider"], change="income", note="工资")
    CaseRecusal.objects.create(case=case, user=world["clerk"], reason="near relative: 配偶")
    with pytest.raises(Http404):
        do_report_change(case, actor=world["clerk"], change="income", note="工资")
    assert running(case) == []
    assert not DeathRecord.objects.exists()
