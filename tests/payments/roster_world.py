"""Active cases made directly (no process), for roster tests: only what the roster reads."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from assistance.models import Case, CaseStatus, DeathRecord, Household, Member, Region
from engine.clock import clock

_serial = itertools.count(1)


def card(prefix: str = "621700000000000") -> str:
    """A card number with a valid Luhn digit."""
    for digit in "0123456789":
        number = prefix + digit
        total = 0
        for position, char in enumerate(reversed(number)):
            value = int(char)
            if position % 2 == 1:
                value = value * 2 - 9 if value > 4 else value * 2
            total += value
        if total % 10 == 0:
            return number
    raise AssertionError


def make_case(
    village: Region,
    *,
    start: date | None = date(2026, 1, 1),
    amount: str | None = "500.00",
    kind: str = "dibao",
    status: str = CaseStatus.ACTIVE,
    ended_on: date | None = None,
    account: bool = True,
    members: int = 1,
    stage: str = "",
    name: str = "张三",
) -> Case:
    n = next(_serial)
    household = Household.objects.create(region=village, address="某村", hukou="rural")
    people = [
        Member.objects.create(
            household=household,
            name=name if i == 0 else f"{name}{i}",
            resident_id=f"43110119800101{n:03d}{i}"[:18].ljust(18, "0"),
            birth_date=date(1980, 1, 1),
            sex="M",
            is_applicant=i == 0,
        )
        for i in range(members)
    ]
    return Case.objects.create(
        number=f"R{n:06d}",
        assistance_type=kind,
        household=household,
        region=village,
        status=status,
        stage=stage,
        monthly_amount=Decimal(amount) if amount is not None else None,
        start_month=start,
        ended_on=ended_on,
        single_person=people[0] if kind != "dibao" else None,
        payee_name=name if account else "",
        bank_name="农商银行" if account else "",
        bank_card=card(f"6217{n:011d}") if account else "",
    )


def record_death(case: Case, died_on: date, *, member: int = 0) -> None:
    person = case.household.members.order_by("pk")[member]
    DeathRecord.objects.create(
        resident_id=person.resident_id, died_on=died_on, source="民政", imported_at=clock.now()
    )
