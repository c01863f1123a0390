"""该吃五保吃低保: people meeting the 特困 criteria kept on dibao, exactly as planted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistance.models import Deduction, IncomeItem
from audit.reports import get_rule, queries
from engine.clock import clock
from tests.audit.reports_world import case, controls, found, household, other_county, person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


def test_it_finds_exactly_the_planted_people(world):
    controls(world)
    planted = set()
    # 1. Aged 75, alone, no income.
    home = household(world)
    person(home, "孤寡老人", date(1950, 6, 1), applicant=True)
    planted.add(case(home, amount="600.00").pk)
    # 2. A severely disabled son (grade 1) and his mother aged 70: neither can work.
    home = household(world, world.village_b1)
    person(home, "重残儿子", date(1985, 1, 1), applicant=True, grade=1)
    person(home, "老母亲", date(1955, 1, 1), relation="parent")
    planted.add(case(home, amount="1200.00").pk)
    # 3. Covered alone (grade 2), the only other member aged 65.
    home = household(world)
    person(home, "老父亲", date(1960, 2, 2), applicant=True, covered=False)
    single = person(home, "单人施保", date(1994, 2, 2), grade=2)
    planted.add(case(home, single=single, amount="600.00").pk)
    # 4. A child of 10 with grandparents over 70, on their dibao.
    home = household(world)
    person(home, "祖父", date(1950, 3, 3), applicant=True)
    person(home, "孙子", date(2015, 9, 9), relation="family")
    planted.add(case(home, amount="1200.00").pk)
    # 5. Own income 700 less medical costs of 200: 500, below the standard.
    home = household(world)
    sick = person(home, "病老人", date(1945, 4, 4), applicant=True)
    IncomeItem.objects.create(member=sick, kind="transfer", monthly_amount=Decimal("700"))
    Deduction.objects.create(
        household=home, member=sick, kind="medical", monthly_amount=Decimal("200")
    )
    planted.add(case(home, amount="100.00").pk)

    # Controls: a son of working age at home; own income above the standard; able to work;
    # already on 特困 support; an orphan on the orphan programme; a closed dibao case.
    home = household(world)
    person(home, "有子老人", date(1950, 5, 5), applicant=True)
    person(home, "壮年儿子", date(1986, 5, 5), relation="child")
    case(home)
    home = household(world)
    rich = person(home, "有收入", date(1944, 6, 6), applicant=True)
    IncomeItem.objects.create(member=rich, kind="transfer", monthly_amount=Decimal("700"))
    case(home, amount="100.00")
    home = household(world)
    person(home, "能劳动", date(1976, 7, 7), applicant=True)
    case(home, amount="600.00")
    home = household(world)
    supported = person(home, "已特困", date(1940, 8, 8), applicant=True)
    case(home, amount="600.00")
    case(home, kind="tekun", single=supported, amount="780.00")
    home = household(world)
    orphan = person(home, "孤儿", date(2016, 9, 9), applicant=True)
    case(home, amount="600.00")
    case(home, kind="orphan", single=orphan, amount="1000.00", review_class="")
    home = household(world)
    person(home, "已退出", date(1941, 10, 10), applicant=True)
    case(home, status="closed", ended_on=date(2025, 1, 1))

    assert found(world, "tekun_on_dibao") == planted


def test_it_says_why_each_person_qualifies(world):
    home = household(world, world.village_b1)
    person(home, "重残儿子", date(1985, 1, 1), applicant=True, grade=1)
    person(home, "老母亲", date(1955, 1, 1), relation="parent")
    case(home, amount="1200.00")
    rule = get_rule("tekun_on_dibao")
    scope = queries.scope_for(world["auditor"], clock.today())
    [finding] = queries.findings_page(rule, scope, None, 1)
    assert sorted(finding.reasons) == sorted(
        [
            "重残儿子：1 级残疾，本人收入 0.00 低于标准 600.00，家中无劳动年龄成员",
            "老母亲：71 岁，本人收入 0.00 低于标准 600.00，家中无劳动年龄成员",
        ]
    )
    assert finding.township == "西镇"


def test_it_keeps_each_auditor_to_their_county(world):
    elsewhere = other_county(world)
    home = household(world, elsewhere["village"])
    person(home, "邻县老人", date(1950, 6, 1), applicant=True)
    theirs = case(home, amount="600.00")
    assert found(world, "tekun_on_dibao") == set()
    assert found(world, "tekun_on_dibao", "other_auditor") == {theirs.pk}
