"""Reviews overdue for their class, exactly as planted (clock: 2 March 2026)."""

from __future__ import annotations

from datetime import date

import pytest

from assistance.models import RegionPolicy
from audit.reports import get_rule, queries
from engine.clock import clock
from tests.audit.reports_world import case, controls, found, household, other_county, person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def home_of(world, name, hukou="rural", village=None):
    home = household(world, village, hukou=hukou)
    person(home, name, date(1960, 1, 1), applicant=True)
    return home


def test_it_finds_exactly_the_planted_cases(world):
    controls(world)
    planted = {
        # Class A confirmed in January 2025, never reviewed: due January 2026.
        case(home_of(world, "甲"), decided_on=date(2025, 1, 15)).pk,
        # Class C rural (6 months), last reviewed 1 August 2025: due 1 February.
        case(
            home_of(world, "乙"),
            review_class="C",
            decided_on=date(2020, 1, 1),
            details={"last_review_on": "2025-08-01"},
        ).pk,
        # Class C urban (3 months), confirmed 20 November 2025: due 20 February.
        case(home_of(world, "丙", "urban"), review_class="C", decided_on=date(2025, 11, 20)).pk,
        # Never classified, 特困, confirmed December 2024: measured with class A, due December.
        case(home_of(world, "丁"), kind="tekun", review_class="", decided_on=date(2024, 12, 1)).pk,
    }
    # Controls: class C rural confirmed in October (due April); class C urban reviewed in
    # January (due April); class B confirmed long ago but reviewed last April (due April);
    # a disability subsidy and a closed dibao case, both confirmed in 2020.
    case(home_of(world, "戊"), review_class="C", decided_on=date(2025, 10, 1))
    case(
        home_of(world, "己", "urban"),
        review_class="C",
        decided_on=date(2024, 1, 1),
        details={"last_review_on": "2026-01-10"},
    )
    case(
        home_of(world, "庚"),
        review_class="B",
        decided_on=date(2020, 1, 1),
        details={"last_review_on": "2025-04-01"},
    )
    case(home_of(world, "辛"), kind="disability", review_class="", decided_on=date(2020, 1, 1))
    case(home_of(world, "壬"), status="closed", decided_on=date(2020, 1, 1))

    assert found(world, "reviews_overdue") == planted


def test_it_reads_the_cycle_of_the_township(world):
    """A township that reviews class C rural households every 3 months has C due sooner."""
    RegionPolicy.objects.create(
        region=world.township_b,
        effective_from=date(2025, 1, 1),
        values={"review_cycle_months_c_rural": 3},
    )
    east = case(
        home_of(world, "东", village=world.village_a1),
        review_class="C",
        decided_on=date(2025, 11, 1),
    )
    west = case(
        home_of(world, "西", village=world.village_b1),
        review_class="C",
        decided_on=date(2025, 11, 1),
    )
    assert found(world, "reviews_overdue") == {west.pk}
    rule = get_rule("reviews_overdue")
    scope = queries.scope_for(world["auditor"], clock.today())
    [finding] = queries.findings_page(rule, scope, None, 1)
    assert finding.case_id == west.pk != east.pk
    assert finding.reasons == [
        "C 类，自 2025-11-01 确认后未复核：应于 2026-02-01 复核，已逾期 29 天"
    ]


def test_it_keeps_each_auditor_to_their_county(world):
    elsewhere = other_county(world)
    theirs = case(home_of(world, "邻县", village=elsewhere["village"]), decided_on=date(2024, 1, 1))
    assert found(world, "reviews_overdue") == set()
    assert found(world, "reviews_overdue", "other_auditor") == {theirs.pk}
