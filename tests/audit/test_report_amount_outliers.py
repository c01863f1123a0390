"""Amounts out of line with the standard and household size, exactly as planted."""

from __future__ import annotations

from datetime import date

import pytest

from assistance.models import RegionPolicy
from audit.reports import get_rule, queries
from engine.clock import clock
from tests.audit.reports_world import case, controls, found, household, other_county, person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def pair(world, name, village=None):
    """Two covered members, 300 of wages: 150 a head, (600 - 150) x 2 = 900 due."""
    home = household(world, village)
    person(home, name, date(1950, 1, 1), applicant=True, wage="300.00")
    person(home, name + "妻", date(1952, 1, 1))
    return home


def one(world, name, village=None):
    home = household(world, village)
    person(home, name, date(1940, 1, 1), applicant=True)
    return home


def test_it_finds_exactly_the_planted_amounts(world):
    controls(world)
    # Township B grants 100 a month extra for the elderly (增发): up to 700 a head there.
    RegionPolicy.objects.create(
        region=world.township_b,
        effective_from=date(2025, 1, 1),
        values={"dibao_supplement_elderly": "100.00"},
    )
    planted = {
        # Two covered in township A: at most 1,200; paid 1,300.
        case(pair(world, "甲"), amount="1300.00").pk,
        # 900 due, paid 300: less than half.
        case(pair(world, "乙"), amount="300.00").pk,
        # 特困 below the basic living standard of 780, and above 780 + 340 of full care.
        case(one(world, "丙"), kind="tekun", amount="700.00").pk,
        case(one(world, "丁"), kind="tekun", amount="1200.00").pk,
        # No amount at all on an active dibao case that is due 600.
        case(one(world, "戊"), amount=None).pk,
    }
    # Controls: 1,300 for two in township B (up to 1,400 with the supplement); 460 of 900
    # (more than half); 特困 at 780 and at 1,120 exactly; a disability subsidy of 5,000 (flat
    # rates are not measured here); a closed dibao case paid far too much.
    case(pair(world, "己", world.village_b1), amount="1300.00")
    case(pair(world, "庚"), amount="460.00")
    case(one(world, "辛"), kind="tekun", amount="780.00")
    case(one(world, "壬"), kind="tekun", amount="1120.00")
    case(one(world, "癸"), kind="disability", amount="5000.00", review_class="")
    case(pair(world, "子"), status="closed", amount="9000.00", ended_on=date(2025, 1, 1))

    assert found(world, "amount_outliers") == planted


def test_it_explains_the_limit(world):
    case(pair(world, "甲"), amount="1300.00")
    case(pair(world, "乙"), amount="300.00")
    rule = get_rule("amount_outliers")
    scope = queries.scope_for(world["auditor"], clock.today())
    reasons = [f.reasons[0] for f in queries.findings_page(rule, scope, None, 1)]
    assert reasons == [
        "每月发放 1,300.00，超过标准 600.00 加最高增发对 2 名保障成员所允许的 1,200.00",
        "每月发放 300.00，不足按标准 600.00 和在册收入对 2 名保障成员应发 900.00 的一半",
    ]


def test_it_keeps_each_auditor_to_their_county(world):
    elsewhere = other_county(world)
    theirs = case(pair(world, "邻县", elsewhere["village"]), amount="5000.00")
    assert found(world, "amount_outliers") == set()
    assert found(world, "amount_outliers", "other_auditor") == {theirs.pk}
