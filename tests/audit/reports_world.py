"""Households and cases planted straight in the tables, for the abuse-report tests.

The reports read records, not processes, so each test builds exactly the records a pattern
needs. `clean_case` is a control that no rule may list: an active rural dibao household of an
adult earner and a child, paid what the records give, confirmed last October, class A.

The test world's county policy (tests/fixtures.py): rural standard 600, urban 800 a month, no
增发, employment costs capped at 600; 特困 basic living 1.3 × the standard (780 rural) plus at
most 20% of a 1,700 minimum wage for full care (340); review cycles A, B 12 months, C 3
(urban) or 6 (rural). The clock (fixed_clock) stands at 2 March 2026.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User

from assistance.ids import make_resident_id
from assistance.models import (
    Case,
    Household,
    IncomeItem,
    Member,
    Region,
    RegionLevel,
    RegionPolicy,
    StaffProfile,
)
from audit.reports import get_rule, queries
from engine.clock import clock
from tests.fixtures import World, county_policy, make_region, make_user

_numbers = itertools.count(1)
_sequences: dict[date, itertools.count[int]] = {}


def resident(born: date) -> str:
    counter = _sequences.setdefault(born, itertools.count(0))
    return make_resident_id("431101", born, next(counter), "M")


def household(world: World, village: Region | None = None, hukou: str = "rural") -> Household:
    return Household.objects.create(
        region=village or world.village_a1, address="测试地址", hukou=hukou
    )


def person(
    home: Household,
    name: str,
    born: date,
    *,
    covered: bool = True,
    applicant: bool = False,
    grade: int | None = None,
    relation: str = "family",
    wage: str | None = None,
) -> Member:
    member = Member.objects.create(
        household=home,
        name=name,
        resident_id=resident(born),
        birth_date=born,
        sex="M",
        relation="self" if applicant else relation,
        is_applicant=applicant,
        covered=covered,
        disability_grade=grade,
    )
    if wage is not None:
        IncomeItem.objects.create(member=member, kind="wage", monthly_amount=Decimal(wage))
    return member


def case(
    home: Household,
    *,
    kind: str = "dibao",
    status: str = "active",
    amount: str | None = "900.00",
    region: Region | None = None,
    single: Member | None = None,
    decided_on: date | None = date(2025, 10, 1),
    start_month: date | None = date(2025, 11, 1),
    review_class: str = "A",
    details: dict[str, Any] | None = None,
    ended_on: date | None = None,
) -> Case:
    return Case.objects.create(
        number=f"RPT{next(_numbers):06d}",
        assistance_type=kind,
        household=home,
        region=region or home.region,
        single_person=single,
        status=status,
        monthly_amount=Decimal(amount) if amount is not None else None,
        decided_on=decided_on,
        start_month=start_month,
        review_class=review_class,
        details=details or {},
        ended_on=ended_on,
    )


def clean_case(world: World, village: Region | None = None, name: str = "李清") -> Case:
    """An active dibao household no rule may list: (600 - 300/2) x 2 = 900 a month."""
    home = household(world, village)
    person(home, name, date(1985, 6, 1), applicant=True, relation="self", wage="300.00")
    person(home, name + "子", date(2015, 6, 1), relation="child")
    return case(home)


def controls(world: World) -> list[Case]:
    """Clean cases in both townships, and closed and refused ones of every kind."""
    cases = [
        clean_case(world, world.village_a1, "李一"),
        clean_case(world, world.village_b1, "李二"),
    ]
    for status in ("closed", "refused", "in_progress", "withdrawn"):
        home = household(world)
        person(home, f"张{status}", date(1950, 1, 1), applicant=True)
        cases.append(case(home, status=status, ended_on=date(2025, 1, 1)))
    for kind, amount in (("disability", "65.00"), ("elderly", "30.00")):
        home = household(world, world.village_b1)
        person(home, f"王{kind}", date(1940, 1, 1), applicant=True)
        cases.append(case(home, kind=kind, amount=amount, review_class=""))
    return cases


def found(world: World, code: str, username: str = "auditor") -> set[int]:
    rule = get_rule(code)
    assert rule is not None
    return queries.case_ids(rule, queries.scope_for(world[username], clock.today()))


def staff(world: World, username: str, role: str, region: Region, full_name: str) -> User:
    user = make_user(username, role, region)
    StaffProfile.objects.create(user=user, full_name=full_name, office=region)
    world.users[username] = user
    return user


def other_county(world: World) -> dict[str, Any]:
    """A second county with a township, a village and its own auditor."""
    county = make_region("431200", "邻县", RegionLevel.COUNTY, world.province)
    township = make_region("431201001", "北镇", RegionLevel.TOWNSHIP, county)
    village = make_region("431201001001", "北村", RegionLevel.VILLAGE, township)
    RegionPolicy.objects.create(
        region=county, effective_from=date(2020, 1, 1), values=county_policy()
    )
    world.users["other_auditor"] = make_user("other_auditor", "auditor", county)
    return {"county": county, "township": township, "village": village}
