"""A world for the public site: households in notice and out of it, whose private data the
public pages must never show (resident IDs, addresses, minors' names)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from assistance import actions
from assistance.models import AssistanceType, Case, CaseStatus, Household, Member, Region
from engine.clock import clock
from tests.fixtures import World
from tests.workflows.dibao import resident_id, to_notice

RESIDENT_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
ADULT_BORN = date(1980, 5, 1)
CHILD_BORN = date(2016, 7, 1)


@dataclass
class PublicWorld:
    world: World
    adult_in_notice: Case
    second_in_notice: Case
    minors_only: Case
    orphan: Case
    confirmed: Case
    terminated: Case
    # What no public page may contain.
    secrets: list[str] = field(default_factory=list)


def apply_household(
    world: World, village: Region, people: list[tuple[str, date]], address: str
) -> Case:
    """A dibao application by the township A clerk; the first person applies."""
    members = [
        actions.MemberData(
            name=name,
            resident_id=resident_id(born),
            relation="self" if index == 0 else "child",
            is_applicant=index == 0,
            incomes=[("wage", Decimal("300.00"))] if index == 0 and born < CHILD_BORN else [],
        )
        for index, (name, born) in enumerate(people)
    ]
    application = actions.ApplicationData(
        region_id=village.pk, address=address, hukou="rural", members=members
    )
    return actions.do_apply(application, actor=world["clerk"])


def direct_case(
    world: World,
    kind: str,
    people: list[tuple[str, date]],
    address: str,
    *,
    status: str = CaseStatus.ACTIVE,
    decided_on: date | None = None,
    ended_on: date | None = None,
) -> Case:
    """A case as if decided earlier (no process): for the disclosure lists."""
    household = Household.objects.create(region=world.village_a2, address=address, hukou="rural")
    members = [
        Member.objects.create(
            household=household,
            name=name,
            resident_id=resident_id(born),
            birth_date=born,
            sex="M",
            is_applicant=index == 0,
        )
        for index, (name, born) in enumerate(people)
    ]
    del members
    return Case.objects.create(
        number=f"{kind.upper()}-{household.pk}",
        assistance_type=kind,
        household=household,
        region=world.village_a2,
        status=status,
        monthly_amount=Decimal("500.00"),
        start_month=date(2026, 3, 1),
        decided_on=decided_on or clock.today(),
        ended_on=ended_on,
    )


def build(world: World) -> PublicWorld:
    """Needs the fixed clock and the deployed processes."""
    adult = apply_household(
        world,
        world.village_a1,
        [("张大山", ADULT_BORN), ("张小宝", CHILD_BORN)],
        "东村幸福路88号",
    )
    to_notice(world, adult)
    second = apply_household(world, world.village_a2, [("王秀兰", ADULT_BORN)], "南村向阳街7号")
    to_notice(world, second)
    # Everyone covered is a minor: no notice at all (R4).
    minors = apply_household(
        world,
        world.village_a1,
        [("赵小花", CHILD_BORN), ("赵小草", CHILD_BORN + timedelta(days=1))],
        "东村柳树巷3号",
    )
    to_notice(world, minors)
    # A de facto unattended child's case in notice (belt and braces: their process has no
    # notice): never shown, not even the adult in the household.
    unattended = apply_household(
        world, world.village_a2, [("何大姐", ADULT_BORN), ("何小弟", CHILD_BORN)], "南村何家湾6号"
    )
    to_notice(world, unattended)
    Case.objects.filter(pk=unattended.pk).update(assistance_type=AssistanceType.ORPHAN)
    today = clock.today()
    orphan = direct_case(world, AssistanceType.ORPHAN, [("孙小明", CHILD_BORN)], "南村孤儿院路1号")
    confirmed = direct_case(
        world,
        AssistanceType.DIBAO,
        [("钱有福", ADULT_BORN), ("钱小妹", CHILD_BORN)],
        "南村钱家湾9号",
    )
    terminated = direct_case(
        world,
        AssistanceType.DIBAO,
        [("周长庚", ADULT_BORN)],
        "南村周家坪5号",
        status=CaseStatus.CLOSED,
        decided_on=date(2025, 1, 5),
        ended_on=today,
    )
    minors_active = direct_case(
        world, AssistanceType.DIBAO, [("吴小雨", CHILD_BORN)], "南村吴家岭2号"
    )
    cases = [adult, second, minors, unattended, orphan, confirmed, terminated, minors_active]
    secrets = ["张小宝", "赵小花", "赵小草", "孙小明", "钱小妹", "吴小雨", "何大姐", "何小弟"]
    for case in cases:
        secrets.append(case.household.address)
        secrets.extend(case.household.members.values_list("resident_id", flat=True))
        secrets.append(case.number)
    return PublicWorld(world, adult, second, minors, orphan, confirmed, terminated, secrets)


def one_notice(world: World) -> Case:
    """One adult household of village A1 in its notice (posted on the fixed clock's day)."""
    case = apply_household(
        world, world.village_a1, [("张大山", ADULT_BORN), ("张小宝", CHILD_BORN)], "东村幸福路88号"
    )
    to_notice(world, case)
    return case
