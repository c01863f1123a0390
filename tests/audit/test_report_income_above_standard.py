"""错保: counted income at or above the standard on an active case, exactly as planted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistance.models import Deduction, IncomeItem
from audit.reports import get_rule, queries
from engine.clock import clock
from tests.audit.reports_world import case, controls, found, household, other_county, person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def earn(member, kind, amount):
    IncomeItem.objects.create(member=member, kind=kind, monthly_amount=Decimal(amount))


def test_it_finds_exactly_the_planted_cases(world):
    controls(world)
    planted = set()
    # 1. Wages of 1,000 and 300 for two: 650 a head, above the rural 600.
    home = household(world)
    person(home, "甲", date(1980, 1, 1), applicant=True, wage="1000.00")
    person(home, "乙", date(1982, 1, 1), wage="300.00")
    planted.add(case(home).pk)
    # 2. Urban standard 800: business income of 800 for one, exactly at the standard.
    home = household(world, hukou="urban")
    earn(person(home, "个体户", date(1970, 2, 2), applicant=True), "business", "800.00")
    planted.add(case(home, amount="100.00").pk)
    # 3. A 特困 person with transfer income of 700 of their own.
    home = household(world)
    earn(person(home, "特困有收入", date(1940, 3, 3), applicant=True), "transfer", "700.00")
    planted.add(case(home, kind="tekun", amount="780.00").pk)
    # 4. Covered alone with 650 of their own.
    home = household(world)
    person(home, "户主丙", date(1960, 4, 4), applicant=True)
    single = person(home, "单人", date(1990, 4, 4), grade=1, wage="650.00")
    planted.add(case(home, single=single, amount="100.00").pk)

    # Controls: employment costs bring 1,300 down to 1,100 (550 a head); a medical deduction
    # does the same; pensions are not counted; a closed case; the household's income does not
    # count for the member covered alone, nor for a 特困 applicant.
    home = household(world)
    earner = person(home, "务工", date(1985, 5, 5), applicant=True, wage="1300.00")
    earn(earner, "employment_cost", "200.00")
    person(home, "务工子", date(2012, 5, 5))
    case(home, amount="100.00")
    home = household(world)
    person(home, "病户", date(1985, 6, 6), applicant=True, wage="1300.00")
    person(home, "病户子", date(2012, 6, 6))
    Deduction.objects.create(household=home, kind="medical", monthly_amount=Decimal("200"))
    case(home, amount="100.00")
    home = household(world)
    earn(person(home, "养老金", date(1950, 7, 7), applicant=True), "basic_pension", "2000.00")
    case(home, amount="600.00")
    home = household(world)
    person(home, "已退", date(1980, 8, 8), applicant=True, wage="3000.00")
    case(home, status="closed", ended_on=date(2025, 1, 1))
    home = household(world)
    person(home, "富户主", date(1970, 9, 9), applicant=True, wage="5000.00")
    poor = person(home, "无业重残", date(1995, 9, 9), grade=1)
    case(home, single=poor, amount="600.00")
    home = household(world)
    person(home, "特困本人", date(1938, 10, 10), applicant=True)
    person(home, "外出子女", date(1970, 10, 10), covered=False, wage="5000.00")
    case(home, kind="tekun", amount="780.00")

    assert found(world, "income_above_standard") == planted


def test_it_shows_the_figures(world):
    home = household(world)
    person(home, "甲", date(1980, 1, 1), applicant=True, wage="1000.00")
    person(home, "乙", date(1982, 1, 1), wage="300.00")
    case(home)
    rule = get_rule("income_above_standard")
    scope = queries.scope_for(world["auditor"], clock.today())
    [finding] = queries.findings_page(rule, scope, None, 1)
    assert finding.reasons == [
        "最低生活保障：人均计算收入每月 650.00（计 2 人），不低于标准 600.00"
    ]


def test_it_keeps_each_auditor_to_their_county(world):
    elsewhere = other_county(world)
    home = household(world, elsewhere["village"])
    person(home, "邻县", date(1980, 1, 1), applicant=True, wage="2000.00")
    theirs = case(home)
    assert found(world, "income_above_standard") == set()
    assert found(world, "income_above_standard", "other_auditor") == {theirs.pk}
