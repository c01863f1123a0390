"""One staff member investigating and confirming the same case, from the audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from audit.reports import get_rule, queries
from engine import audit
from engine.clock import clock
from engine.models import ProcessDefinition, ProcessInstance
from tests.audit.reports_world import (
    case,
    controls,
    found,
    household,
    other_county,
    person,
    staff,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def instance(target, key="dibao"):
    definition, _ = ProcessDefinition.objects.get_or_create(
        key=key,
        version=1,
        region=None,
        defaults={
            "name": key,
            "sources": {},
            "sha256": "0" * 64,
            "spec": {},
            "deployed_at": clock.now(),
        },
    )
    return ProcessInstance.objects.create(
        definition=definition,
        case=target,
        region=target.region,
        state={},
        created_at=clock.now(),
        updated_at=clock.now(),
    )


def step(user, run, task, action="task.completed"):
    with transaction.atomic():
        audit.record(
            action,
            actor=user,
            role="township_investigator",
            region_id=run.region_id,
            case_id=run.case_id,
            instance_id=run.pk,
            payload={"task": task, "title": task},
        )


def new_case(world, name, village=None):
    home = household(world, village)
    person(home, name, date(1960, 1, 1), applicant=True)
    return case(home)


def test_it_finds_exactly_the_planted_cases(world):
    controls(world)
    investigator, reviewer = world["investigator"], world["reviewer"]
    planted = set()
    # 1. The investigator investigated and then confirmed (a delegated township confirmation).
    run = instance(new_case(world, "甲"))
    step(investigator, run, "investigate")
    step(world["investigator2"], run, "cosign")
    step(investigator, run, "township_confirm")
    planted.add(run.case_id)
    # 2. The second investigator's signature and the county's confirmation by one person.
    run = instance(new_case(world, "乙", world.village_b1))
    step(investigator, run, "investigate")
    step(world["approver"], run, "cosign")
    step(world["approver"], run, "county_confirm")
    planted.add(run.case_id)
    # 3. An exit investigated and approved by one person.
    target = new_case(world, "丙")
    step(investigator, instance(target), "investigate")
    run = instance(target, "exit")
    step(reviewer, run, "investigate_exit")
    step(reviewer, run, "county_approval")
    planted.add(target.pk)

    # Controls: different people; one person in the application and in a later exit; an
    # investigator who gave the opinion (not a confirmation); a confirmation claimed, not done.
    run = instance(new_case(world, "丁"))
    step(investigator, run, "investigate")
    step(world["investigator2"], run, "cosign")
    step(world["approver"], run, "county_confirm")
    target = new_case(world, "戊")
    run = instance(target)
    step(investigator, run, "investigate")
    step(world["approver"], run, "county_confirm")
    step(investigator, instance(target, "exit"), "county_approval")
    run = instance(new_case(world, "己"))
    step(reviewer, run, "investigate")
    step(reviewer, run, "opinion")
    run = instance(new_case(world, "庚"))
    step(investigator, run, "investigate")
    step(investigator, run, "county_confirm", action="task.claimed")

    assert found(world, "same_staff") == planted


def test_it_names_the_person_and_the_steps(world):
    staff(world, "zhou", "township_reviewer", world.township_a, "周审核")
    run = instance(new_case(world, "甲"))
    step(world["zhou"], run, "investigate")
    step(world["zhou"], run, "cosign")
    step(world["zhou"], run, "township_confirm")
    rule = get_rule("same_staff")
    scope = queries.scope_for(world["auditor"], clock.today())
    [finding] = queries.findings_page(rule, scope, None, 1)
    assert finding.reasons == ["周审核既办理了入户调查、第二调查员复核签字，又办理了乡镇审核确认"]


def test_it_keeps_each_auditor_to_their_county(world):
    elsewhere = other_county(world)
    run = instance(new_case(world, "邻县", elsewhere["village"]))
    step(world["investigator"], run, "investigate")
    step(world["investigator"], run, "county_confirm")
    assert found(world, "same_staff") == set()
    assert found(world, "same_staff", "other_auditor") == {run.case_id}
