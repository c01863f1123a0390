"""Price-linked subsidies: the class of recipients (types, active on a day), per person or
per case, totals per township and type, four eyes, one grant per case for the month."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from assistance.actions import ActionError
from assistance.models import CaseStatus, Member
from engine.clock import clock
from engine.models import AuditEvent
from payments.actions_grants import do_select_price_subsidy, do_submit_batch
from payments.grants import SubsidyClass, totals
from payments.models import GrantKind, OneOffGrant
from tests.fixtures import SHANGHAI
from tests.payments.grants_world import active_case, approve_now, household, other_county


@pytest.fixture
def in_march():
    clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))
    yield
    clock.reset()


@pytest.fixture
def recipients(world):
    a1 = household(world.village_a1, "甲一", 11, members=3)
    a2 = household(world.village_a2, "甲二", 12, members=2)
    b1 = household(world.village_b1, "乙一", 13, members=4)
    lone = household(world.village_b1, "乙二", 14, members=3)
    Member.objects.filter(household=b1, relation="family").update(covered=False)
    return {
        "dibao_a1": active_case(a1, "dibao", "DB1"),
        "dibao_b1": active_case(b1, "dibao", "DB2"),
        "single": active_case(
            lone, "dibao", "DB3", single_person=lone.members.get(is_applicant=True)
        ),
        "tekun": active_case(a2, "tekun", "TK1"),
        "late": active_case(a2, "orphan", "GE1", start_month=date(2026, 4, 1)),
        "closed": active_case(a1, "elderly", "GL1", status=CaseStatus.CLOSED),
        "disability": active_case(b1, "disability", "CJ1"),
        "elsewhere": active_case(household(other_county(world), "丙", 15), "dibao", "DB9"),
    }


def chosen(**overrides):
    values = {
        "types": ("dibao", "tekun", "orphan"),
        "as_of": date(2026, 3, 1),
        "per": "person",
        "amount": Decimal("20.00"),
        "month": date(2026, 4, 1),
    }
    return SubsidyClass(**{**values, **overrides})


def test_it_chooses_active_cases_of_the_types_in_the_county(world, recipients, in_march):
    batch = do_select_price_subsidy(world.county.pk, chosen(), actor=world["finance"])
    assert [row["number"] for row in batch.rows] == ["DB1", "TK1", "DB2", "DB3"]
    # Dibao counts the covered members (one under single-person cover); 特困 is one person's.
    assert [row["people"] for row in batch.rows] == [3, 1, 1, 1]
    assert [row["amount"] for row in batch.rows] == ["60.00", "20.00", "20.00", "20.00"]
    assert batch.total_amount == Decimal("120.00")
    assert batch.kind == GrantKind.PRICE_SUBSIDY
    assert batch.criteria["types"] == ["dibao", "tekun", "orphan"]
    summary = totals(batch)
    assert [(g.township, g.type, g.rows, g.people, g.amount) for g in summary["groups"]] == [
        ("东镇", "dibao", 1, 3, Decimal("60.00")),
        ("东镇", "tekun", 1, 1, Decimal("20.00")),
        ("西镇", "dibao", 2, 2, Decimal("40.00")),
    ]


def test_it_pays_per_case_and_follows_the_types_and_day(world, recipients, in_march):
    per_case = do_select_price_subsidy(
        world.county.pk,
        chosen(
            per="case",
            amount=Decimal("50"),
            types=("orphan", "disability"),
            as_of=date(2026, 3, 10),
        ),
        actor=world["finance"],
    )
    assert [row["number"] for row in per_case.rows] == ["CJ1"]
    assert per_case.total_amount == Decimal("50.00")


def test_it_refuses_a_bad_class(world, recipients, in_march):
    for bad in (
        chosen(types=()),
        chosen(types=("temporary",)),
        chosen(amount=Decimal("0")),
        chosen(month=date(2026, 2, 1)),
        chosen(month=date(2026, 4, 2)),
    ):
        with pytest.raises(ActionError):
            do_select_price_subsidy(world.county.pk, bad, actor=world["finance"])


def test_it_grants_each_case_once_for_the_month(world, recipients, in_march):
    batch = do_select_price_subsidy(world.county.pk, chosen(), actor=world["finance"])
    do_submit_batch(batch.pk, actor=world["finance"])
    recipients["dibao_b1"].status = CaseStatus.CLOSED
    recipients["dibao_b1"].save()
    done = approve_now(batch.pk, actor=world["approver"])
    grants = OneOffGrant.objects.filter(batch=done).order_by("case__number")
    assert [(g.case.number, g.amount) for g in grants] == [
        ("DB1", Decimal("60.00")),
        ("DB3", Decimal("20.00")),
        ("TK1", Decimal("20.00")),
    ]
    assert {g.payable_from for g in grants} == {date(2026, 4, 1)}
    assert done.total_amount == Decimal("100.00")
    assert [row["problems"] for row in done.rows if not row["ok"]] == [
        [{"code": "no_longer_active"}]
    ]
    event = AuditEvent.objects.get(action="grant.created", case=recipients["tekun"])
    assert event.payload["batch"] == batch.pk and event.payload["amount"] == "20.00"
    # The same class again for the same month: every case already has it.
    again = do_select_price_subsidy(world.county.pk, chosen(), actor=world["finance"])
    assert [row["ok"] for row in again.rows] == [False, False, False]
    assert again.total_amount == Decimal("0.00")
    # Another month is another subsidy.
    may = do_select_price_subsidy(
        world.county.pk, chosen(month=date(2026, 5, 1)), actor=world["finance"]
    )
    assert all(row["ok"] for row in may.rows)


def test_it_refuses_an_approver_recused_from_a_case_of_the_batch(world, recipients, in_march):
    from assistance.models import CaseRecusal

    CaseRecusal.objects.create(case=recipients["tekun"], user=world["approver"], reason="亲属")
    batch = do_select_price_subsidy(world.county.pk, chosen(), actor=world["finance"])
    do_submit_batch(batch.pk, actor=world["finance"])
    with pytest.raises(ActionError, match="TK1"):
        approve_now(batch.pk, actor=world["approver"])
    assert not OneOffGrant.objects.exists()
