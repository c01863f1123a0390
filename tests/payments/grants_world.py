"""Households of the test world for batch grants, and lists of relocated households."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from assistance.ids import make_resident_id
from assistance.models import Case, CaseStatus, Household, Member, Region, RegionLevel
from payments.models import GrantBatch
from tests.fixtures import World, make_region

HEADER = ["户主身份证号", "姓名", "村", "搬迁人数", "银行卡号"]


def card(seed: int) -> str:
    """A 19-digit card number with a right Luhn check digit."""
    body = f"622848{seed:012d}"
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return body + str((10 - total % 10) % 10)


def born(seq: int, year: int = 1970) -> date:
    return date(year, 1 + (seq // 28) % 12, 1 + seq % 28)


def rid(seq: int, year: int = 1970) -> str:
    return make_resident_id("431101", born(seq, year), seq % 100, "M")


def household(village: Region, head: str, seq: int, members: int = 3) -> Household:
    found = Household.objects.create(
        region=village, address=f"{village.name}{seq}号", hukou="rural"
    )
    Member.objects.create(
        household=found,
        name=head,
        resident_id=rid(seq),
        birth_date=born(seq),
        sex="M",
        is_applicant=True,
    )
    for extra in range(1, members):
        Member.objects.create(
            household=found,
            name=f"{head[0]}成员{extra}",
            resident_id=rid(seq * 10 + extra + 500, year=1995),
            birth_date=born(seq * 10 + extra + 500, 1995),
            sex="M",
            relation="family",
        )
    return found


def other_county(world: World) -> Region:
    county = make_region("431200", "邻县", RegionLevel.COUNTY, world.province)
    township = make_region("431201001", "北镇", RegionLevel.TOWNSHIP, county)
    return make_region("431201001001", "北村", RegionLevel.VILLAGE, township)


def relocated(world: World) -> dict[str, Household]:
    """Three households in the county (two townships) and one in a neighbouring county."""
    return {
        "zhang": household(world.village_a1, "张大山", 1, members=4),
        "li": household(world.village_a2, "李秀英", 2, members=2),
        "wang": household(world.village_b1, "王建国", 3, members=3),
        "zhao": household(other_county(world), "赵四", 4, members=2),
    }


def good_rows() -> list[list[Any]]:
    return [
        [rid(1), "张大山", "东村", 4, card(1)],
        [rid(2), "李秀英", "431101001002", 2, card(2)],
        [rid(3), "王建国", "西村", 3, card(3)],
    ]


def xlsx(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def active_case(household: Household, kind: str, number: str, **extra: Any) -> Case:
    return Case.objects.create(
        number=number,
        assistance_type=kind,
        household=household,
        region=household.region,
        status=extra.pop("status", CaseStatus.ACTIVE),
        start_month=extra.pop("start_month", date(2025, 1, 1)),
        monthly_amount=Decimal("300.00"),
        **extra,
    )


def approve_now(batch_id: int, *, actor: Any, note: str = "") -> GrantBatch:
    """Approve a batch and run its granting job (eager Celery, as in the demo) at the commit."""
    from django.test import TestCase

    from payments.actions_grants import do_approve_batch

    with TestCase.captureOnCommitCallbacks(execute=True):
        do_approve_batch(batch_id, actor=actor, note=note)
    return GrantBatch.objects.get(pk=batch_id)
