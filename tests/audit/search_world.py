"""Cases made directly in the database for the auditor's search tests: each with the
household, members, region, dates, amount and trail a search filters on."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from assistance.models import Case, Household, Member, Region, RegionLevel, StaffProfile
from engine import audit
from tests.fixtures import SHANGHAI, World, make_region, make_user
from tests.workflows.dibao import resident_id

_numbers = itertools.count(1)


def make_case(
    world: World,
    *,
    region: Region | None = None,
    kind: str = "dibao",
    status: str = "in_progress",
    stage: str = "",
    amount: str | None = None,
    applied: date = date(2026, 3, 2),
    decided: date | None = None,
    people: tuple[tuple[str, str | None], ...] = (("申请人", None),),
    acted_by: tuple[User, ...] = (),
    number: str | None = None,
) -> Case:
    """A case whose first person is the applicant; a None resident ID is made up."""
    region = region or world.village_a1
    household = Household.objects.create(region=region, address="某村", hukou="rural")
    for index, (name, rid) in enumerate(people):
        Member.objects.create(
            household=household,
            name=name,
            resident_id=rid or resident_id(date(1970, 1, 1)),
            birth_date=date(1970, 1, 1),
            sex="M",
            relation="self" if index == 0 else "family",
            is_applicant=index == 0,
        )
    case = Case.objects.create(
        number=number or f"AUD-{next(_numbers):05d}",
        assistance_type=kind,
        household=household,
        region=region,
        status=status,
        stage=stage,
        monthly_amount=Decimal(amount) if amount is not None else None,
        decided_on=decided,
        created_at=datetime(applied.year, applied.month, applied.day, 10, 0, tzinfo=SHANGHAI),
    )
    with transaction.atomic():
        audit.record("case.created", actor=None, region_id=region.pk, case_id=case.pk)
        for user in acted_by:
            audit.record(
                "task.completed", actor=user, role="x", region_id=region.pk, case_id=case.pk
            )
    return case


def other_county(world: World) -> Region:
    county = make_region("431200", "邻县", RegionLevel.COUNTY, world.province)
    township = make_region("431201001", "北镇", RegionLevel.TOWNSHIP, county)
    return make_region("431201001001", "北村", RegionLevel.VILLAGE, township)


def province_auditor(world: World) -> User:
    return make_user("province_auditor", "auditor", world.province)


def named(user: User, full_name: str) -> User:
    StaffProfile.objects.create(user=user, full_name=full_name)
    return user


def rows(response: Any) -> list[str]:
    """The case numbers a search page lists, in order."""
    import re

    return re.findall(
        r'<tr data-case="\d+">\s*<td[^>]*><a href="/audit/cases/\d+/">([^<]+)</a>',
        response.content.decode(),
    )
