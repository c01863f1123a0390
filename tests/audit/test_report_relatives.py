"""人情保、关系保: the report lists exactly the planted relatives' cases among clean controls."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from assistance.actions import do_declare_relative
from assistance.models import NearRelative, StaffProfile
from audit.reports import get_rule, queries
from engine import audit
from engine.clock import clock
from tests.audit.reports_world import (
    case,
    clean_case,
    controls,
    found,
    household,
    other_county,
    person,
    staff,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def acted(user, target, action="task.completed", task="investigate"):
    with transaction.atomic():
        audit.record(
            action,
            actor=user,
            role="township_investigator",
            region_id=target.region_id,
            case_id=target.pk,
            payload={"task": task},
        )


def declare(world, username, member, relation="parent"):
    return NearRelative.objects.create(
        staff=world[username],
        name=member.name,
        resident_id=member.resident_id,
        relation=relation,
        declared_at=clock.now(),
    )


def test_it_finds_exactly_the_planted_relatives(world):
    controls(world)
    # 1. A village cadre's declared parent, on an active dibao case (declared through R7).
    home = household(world)
    parent = person(home, "村干部之父", date(1950, 3, 3), applicant=True)
    do_declare_relative(
        actor=world["village_clerk"],
        name=parent.name,
        resident_id=parent.resident_id,
        relation="parent",
    )
    declared = case(home)
    # 2. A township investigator's own household, by the resident ID on their staff record.
    home = household(world)
    own = person(home, "调查员本人", date(1980, 4, 4), applicant=True)
    StaffProfile.objects.create(
        user=world["investigator"], full_name="赵调查", resident_id=own.resident_id
    )
    own_case = case(home)
    # 3. A relative's application still in progress, on which the reviewer completed a step.
    home = household(world, world.village_a2)
    sibling = person(home, "审核员之弟", date(1975, 5, 5), applicant=True)
    declare(world, "reviewer", sibling, "sibling")
    in_progress = case(home, status="in_progress", amount=None)
    acted(world["reviewer"], in_progress, task="opinion")

    # Controls: a relative's closed case; a relative's application the staff member only read;
    # a staff member acting on a stranger's case; a staff record without a resident ID.
    home = household(world)
    declare(world, "clerk", person(home, "已退出亲属", date(1945, 6, 6), applicant=True))
    case(home, status="closed", ended_on=date(2025, 6, 1))
    home = household(world)
    watched = person(home, "只看过", date(1960, 7, 7), applicant=True)
    declare(world, "clerk", watched, "child")
    read_only = case(home, status="in_progress", amount=None)
    acted(world["clerk"], read_only, action="evidence.viewed", task="")
    acted(world["reviewer"], clean_case(world))
    StaffProfile.objects.create(user=world["clerk"], full_name="钱受理", resident_id="")

    assert found(world, "relatives") == {declared.pk, own_case.pk, in_progress.pk}


def test_it_counts_the_relative_of_staff_who_acted_and_says_why(world):
    home = household(world)
    child = person(home, "王子", date(1990, 1, 1), applicant=True)
    staff(world, "wang", "township_investigator", world.township_a, "王调查")
    declare(world, "wang", child, "child")
    target = case(home)
    acted(world["wang"], target)
    acted(world["wang"], target, task="cosign")
    rule = get_rule("relatives")
    scope = queries.scope_for(world["auditor"], clock.today())
    [finding] = queries.findings_page(rule, scope, None, 1)
    assert finding.case_id == target.pk
    assert finding.township == "东镇" and finding.applicant == "王子"
    assert finding.reasons == [
        "王子是王调查申报的近亲属（子女及其配偶），且王调查在本案办理了 2 个步骤"
    ]
    [count] = queries.township_counts(rule, scope)
    assert (count.township.name, count.cases) == ("东镇", 1)


def test_it_keeps_each_auditor_to_their_county(world):
    elsewhere = other_county(world)
    home = household(world, elsewhere["village"])
    declare(world, "clerk", person(home, "邻县亲属", date(1950, 8, 8), applicant=True))
    theirs = case(home)
    assert found(world, "relatives") == set()
    assert found(world, "relatives", "other_auditor") == {theirs.pk}
