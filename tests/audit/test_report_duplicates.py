"""Duplicates: one person in two active cases of the same kind, households or regions."""

from __future__ import annotations

from datetime import date

import pytest

from audit.reports import get_rule, queries
from engine.clock import clock
from tests.audit.reports_world import case, controls, found, household, other_county, person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def test_it_finds_exactly_the_planted_duplicates(world):
    controls(world)
    planted = set()
    # 1. Same kind: a household's dibao and a single-person dibao for one of its members.
    home = household(world)
    person(home, "户主甲", date(1970, 1, 1), applicant=True)
    twice = person(home, "重病成员", date(1972, 1, 1), grade=1)
    planted |= {case(home).pk, case(home, single=twice, amount="600.00").pk}
    # 2. Two households: a member of one household covered alone on another's case.
    home = household(world)
    lent = person(home, "借名成员", date(1940, 2, 2), applicant=True)
    planted.add(case(home).pk)
    other_home = household(world, world.village_a2)
    person(other_home, "他户户主", date(1965, 2, 2), applicant=True)
    planted.add(case(other_home, kind="elderly", single=lent, amount="30.00").pk)
    # 3. Two regions: the household's dibao here, its disability subsidy in the other township.
    home = household(world)
    person(home, "两地享受", date(1980, 3, 3), applicant=True, grade=2)
    planted |= {case(home).pk, case(home, kind="disability", region=world.village_b1).pk}

    # Controls: dibao and a disability subsidy for one household in one place; an old closed
    # dibao next to the active one; a member paid only by the single-person case.
    home = household(world)
    person(home, "正常户", date(1975, 4, 4), applicant=True, grade=2)
    case(home)
    case(home, kind="disability", amount="65.00", review_class="")
    home = household(world)
    person(home, "曾享受", date(1976, 5, 5), applicant=True)
    case(home, status="closed", ended_on=date(2024, 1, 1))
    case(home)
    home = household(world)
    person(home, "户主乙", date(1960, 6, 6), applicant=True)
    alone = person(home, "单人户", date(1990, 6, 6), covered=False, grade=1)
    case(home)
    case(home, single=alone, amount="600.00")

    assert found(world, "duplicates") == planted


def test_it_names_the_other_case_and_masks_the_id(world):
    home = household(world)
    person(home, "户主甲", date(1970, 1, 1), applicant=True)
    twice = person(home, "重病成员", date(1972, 1, 1), grade=1)
    first = case(home)
    second = case(home, single=twice, amount="600.00")
    rule = get_rule("duplicates")
    scope = queries.scope_for(world["auditor"], clock.today())
    findings = {f.case_id: f for f in queries.findings_page(rule, scope, None, 1)}
    masked = twice.resident_id[:4] + "**********" + twice.resident_id[-4:]
    assert findings[first.pk].reasons == [
        f"重病成员（{masked}）同时由案件 {second.number}（最低生活保障，东村）保障：同一类别"
    ]
    assert twice.resident_id not in " ".join(findings[second.pk].reasons)


def test_it_lists_a_case_whose_twin_lies_in_another_county(world):
    elsewhere = other_county(world)
    home = household(world)
    person(home, "两县享受", date(1950, 7, 7), applicant=True)
    ours = case(home)
    theirs = case(home, region=elsewhere["village"])
    assert found(world, "duplicates") == {ours.pk}
    assert found(world, "duplicates", "other_auditor") == {theirs.pk}
