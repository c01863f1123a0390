"""Near relatives of staff (R7): flagged, recused from every step, investigated by the county."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import Http404

from assistance import access, actions
from assistance.models import CaseRecusal
from engine.models import AuditEvent
from tests.workflows.dibao import accept, apply, check, investigate, open_tasks, resident_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]


def declare(world, username: str, number: str) -> None:
    actions.do_declare_relative(
        actor=world[username], name="亲属", resident_id=number, relation="sibling"
    )


def apply_with(world, number: str):
    application = actions.ApplicationData(
        region_id=world.village_a1.pk,
        address="东村",
        hukou="rural",
        members=[actions.MemberData(name="申请人", resident_id=number, is_applicant=True)],
    )
    return actions.do_apply(application, actor=world["clerk"])


def test_it_flags_a_relative_and_hides_the_case_from_the_related_staff(world):
    number = resident_id(date(1970, 1, 1))
    declare(world, "investigator", number)
    case = apply_with(world, number)
    assert case.relative_flag
    assert CaseRecusal.objects.filter(case=case, user=world["investigator"]).exists()
    accept(world, case)
    check(world, case)
    assert open_tasks(case) == ["investigate"]
    assert not access.inbox(world["investigator"]).filter(case=case).exists()
    assert access.inbox(world["investigator2"]).filter(case=case).exists()
    with pytest.raises(Http404):
        access.get_case_for_user(world["investigator"], case.pk)
    task = case.tasks.get()
    with pytest.raises(Http404):
        actions.do_complete_task(task.pk, actor=world["investigator"], data={})
    assert AuditEvent.objects.filter(case=case, action="case.relatives_flagged").exists()


def test_it_keeps_a_recused_clerk_from_accepting(world):
    number = resident_id(date(1971, 1, 1))
    declare(world, "clerk", number)
    case = apply_with(world, number)
    with pytest.raises(Http404):
        actions.do_complete_task(case.tasks.get().pk, actor=world["clerk"], data={})
    assert open_tasks(case) == ["acceptance"]


def test_it_requires_the_county_investigation_only_for_flagged_cases(world):
    number = resident_id(date(1972, 1, 1))
    declare(world, "reviewer2", number)
    flagged = apply_with(world, number)
    accept(world, flagged)
    check(world, flagged)
    investigate(world, flagged)
    assert open_tasks(flagged) == ["county_investigate"]
    actions.do_complete_task(
        flagged.tasks.get().pk,
        actor=world["county_investigator"],
        data={
            "visited_on": "2026-03-03",
            "county_findings": "县级入户核实属实",
            "county_agrees": True,
        },
    )
    assert open_tasks(flagged) == ["opinion"]
    plain = apply(world)
    accept(world, plain)
    check(world, plain)
    investigate(world, plain)
    assert open_tasks(plain) == ["opinion"]


def test_it_recuses_staff_from_open_cases_when_they_declare_later(world):
    case = apply(world)
    number = case.household.members.get(is_applicant=True).resident_id
    assert access.get_case_for_user(world["reviewer"], case.pk)
    declare(world, "reviewer", number)
    with pytest.raises(Http404):
        access.get_case_for_user(world["reviewer"], case.pk)


def test_it_refuses_a_malformed_or_repeated_declaration(world):
    with pytest.raises(actions.ActionError):
        actions.do_declare_relative(
            actor=world["clerk"], name="x", resident_id="123", relation="sibling"
        )
    number = resident_id(date(1973, 1, 1))
    declare(world, "clerk", number)
    with pytest.raises(actions.ActionError):
        declare(world, "clerk", number)
