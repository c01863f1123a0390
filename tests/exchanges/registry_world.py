"""People and cases planted for the poverty-registry comparison, made directly (no process):
the comparison reads only members, cases and death records."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from assistance.models import Case, CaseStatus, Household, Member, Region
from tests.workflows.dibao import resident_id

_serial = itertools.count(1)


def person(village: Region, name: str, *, covered: bool = True, household=None) -> Member:
    household = household or Household.objects.create(region=village, address="某村", hukou="rural")
    born = date(1960, 1, 1)
    return Member.objects.create(
        household=household,
        name=name,
        resident_id=resident_id(born),
        birth_date=born,
        sex="M",
        covered=covered,
    )


def case_for(
    member: Member,
    kind: str = "dibao",
    *,
    status: str = CaseStatus.ACTIVE,
    single: bool = False,
    **details: Any,
) -> Case:
    return Case.objects.create(
        number=f"RG{next(_serial):06d}",
        assistance_type=kind,
        household=member.household,
        region=member.household.region,
        single_person=member if single else None,
        status=status,
        monthly_amount=Decimal("300.00"),
        details=details,
    )


def csv_file(*rows: tuple[str, str, str], header: str = "身份证号,姓名,贫困状态") -> bytes:
    return ("\n".join([header, *(",".join(row) for row in rows)]) + "\n").encode("utf-8")
