"""The roster builder (payments/build.py through do_build_roster and its Celery task): the
month rules applied to the county's cases, deaths checked at build time, each case-month
paid once however often a roster is built."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from engine.clock import clock
from payments import build
from payments.actions import do_approve_roster, do_build_roster
from payments.models import (
    BatchStatus,
    GrantBatch,
    LineStatus,
    OneOffGrant,
    Roster,
    RosterExclusion,
    RosterLine,
    RosterStatus,
)
from tests.payments.roster_world import make_case, record_death

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

MARCH = date(2026, 3, 1)
APRIL = date(2026, 4, 1)


def built(world, month, capture, actor="finance"):
    with capture(execute=True):
        roster = do_build_roster(world.county.pk, month, actor=world[actor])
    roster.refresh_from_db()
    assert roster.status == RosterStatus.BUILT
    return roster


def lines_of(roster):
    return sorted(
        (line.case.number, line.for_month, line.kind)
        for line in RosterLine.objects.filter(roster=roster).select_related("case")
    )


def send_to_bank(world, roster, failed=()):
    do_approve_roster(roster.pk, actor=world["finance"])
    do_approve_roster(roster.pk, actor=world["finance2"])
    Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.EXPORTED)
    RosterLine.objects.filter(roster=roster).update(status=LineStatus.PAID)
    RosterLine.objects.filter(roster=roster, case__in=failed).update(status=LineStatus.FAILED)


def test_it_pays_each_active_case_its_month_and_lists_who_is_left_out(
    world, django_capture_on_commit_callbacks
):
    paid = make_case(world.village_a1)
    gradual = make_case(world.village_a2, stage="渐退期（2026-03-01至2026-09-01）")
    dead = make_case(world.village_b1, kind="tekun")
    record_death(dead, date(2026, 2, 14))
    no_account = make_case(world.village_a1, account=False)
    ended = make_case(world.village_a1, status="closed", ended_on=MARCH)
    make_case(world.village_a1, start=APRIL)  # starts next month
    make_case(world.village_a1, kind="temporary")  # one-off aid: never on the roster
    roster = built(world, MARCH, django_capture_on_commit_callbacks)
    assert lines_of(roster) == sorted(
        [(paid.number, MARCH, "monthly"), (gradual.number, MARCH, "monthly")]
    )
    reasons = dict(
        RosterExclusion.objects.filter(roster=roster).values_list("case__number", "reason")
    )
    assert reasons == {dead.number: "dead", no_account.number: "no_account", ended.number: "ended"}
    assert roster.line_count == 2 and roster.total_amount == Decimal("1000.00")
    assert roster.progress_done == roster.progress_total == 5
    line = RosterLine.objects.get(roster=roster, case=paid)
    assert line.township_id == world.township_a.pk and line.bank_card == paid.bank_card


def test_it_never_pays_a_case_month_twice_on_a_rebuild_or_the_next_month(
    world, django_capture_on_commit_callbacks
):
    case = make_case(world.village_a1)
    late = make_case(world.village_a1, start=date(2026, 2, 1))
    first = built(world, MARCH, django_capture_on_commit_callbacks)
    # The first roster of the county: no back pay before it.
    assert lines_of(first) == sorted(
        [(case.number, MARCH, "monthly"), (late.number, MARCH, "monthly")]
    )
    again = built(world, MARCH, django_capture_on_commit_callbacks, actor="finance2")
    assert again.pk == first.pk and lines_of(again) == lines_of(first)
    assert RosterLine.objects.count() == 2
    send_to_bank(world, first, failed=[late])
    april = built(world, APRIL, django_capture_on_commit_callbacks)
    # The failed March payment is paid again as back pay; the paid one is not.
    assert lines_of(april) == sorted(
        [
            (case.number, APRIL, "monthly"),
            (late.number, MARCH, "back_pay"),
            (late.number, APRIL, "monthly"),
        ]
    )


def test_it_pays_back_pay_to_a_case_confirmed_late(world, django_capture_on_commit_callbacks):
    make_case(world.village_a1)
    first = built(world, MARCH, django_capture_on_commit_callbacks)
    send_to_bank(world, first)
    late = make_case(world.village_a1, start=MARCH)  # confirmed in April, from March
    april = built(world, APRIL, django_capture_on_commit_callbacks)
    assert [
        (for_month, kind) for number, for_month, kind in lines_of(april) if number == late.number
    ] == [
        (MARCH, "back_pay"),
        (APRIL, "monthly"),
    ]


def test_it_refuses_a_second_payment_of_a_case_month_in_the_database(world):
    case = make_case(world.village_a1)
    roster = Roster.objects.create(
        county=world.county, month=MARCH, built_by=world["finance"], created_at=clock.now()
    )
    fields = dict(
        roster=roster,
        case=case,
        township=world.township_a,
        assistance_type="dibao",
        kind="monthly",
        for_month=MARCH,
        amount=Decimal("500"),
        payee_name="张三",
        bank_card=case.bank_card,
    )
    RosterLine.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        RosterLine.objects.create(**{**fields, "kind": "back_pay"})
    # A failed payment does not stand: the month may be paid again.
    RosterLine.objects.filter(case=case).update(status=LineStatus.FAILED)
    RosterLine.objects.create(**fields)


def test_it_pays_approved_grants_once_from_their_month(world, django_capture_on_commit_callbacks):
    case = make_case(world.village_a1, kind="temporary")
    batch = GrantBatch.objects.create(
        kind="relocation",
        county=world.county,
        title="搬迁",
        status=BatchStatus.APPROVED,
        created_by=world["finance"],
        decided_by=world["finance2"],
        created_at=clock.now(),
    )
    draft = GrantBatch.objects.create(
        kind="relocation",
        county=world.county,
        title="草稿",
        created_by=world["finance"],
        created_at=clock.now(),
    )
    grant = OneOffGrant.objects.create(
        case=case,
        kind="relocation",
        batch=batch,
        amount=Decimal("3000"),
        payable_from=MARCH,
        created_at=clock.now(),
    )
    OneOffGrant.objects.create(
        case=case,
        kind="relocation",
        batch=draft,
        amount=Decimal("1500"),
        payable_from=MARCH,
        created_at=clock.now(),
    )
    roster = built(world, MARCH, django_capture_on_commit_callbacks)
    line = RosterLine.objects.get(roster=roster)
    assert (line.grant_id, line.kind, line.amount) == (grant.pk, "grant", Decimal("3000.00"))
    send_to_bank(world, roster)
    april = built(world, APRIL, django_capture_on_commit_callbacks)
    assert not RosterLine.objects.filter(roster=april).exists()


def test_it_stops_a_pass_whose_token_is_outdated(world, django_capture_on_commit_callbacks):
    make_case(world.village_a1)
    roster = built(world, MARCH, django_capture_on_commit_callbacks)
    Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.BUILDING, build_token="new")
    assert build.run_build(roster.pk, "old") == "skipped"
    assert build.run_build(roster.pk, "new") == "built"
    assert build.run_build(roster.pk, "new") == "skipped"
    assert RosterLine.objects.filter(roster=roster).count() == 1


def test_it_checks_deaths_when_it_builds(world, django_capture_on_commit_callbacks):
    household = make_case(world.village_a1, members=2)
    record_death(household, date(2026, 1, 3))  # one of two members: still paid
    roster = built(world, MARCH, django_capture_on_commit_callbacks)
    assert RosterLine.objects.filter(roster=roster, case=household).exists()
    record_death(household, date(2026, 2, 20), member=1)  # the last one
    roster = built(world, MARCH, django_capture_on_commit_callbacks)
    assert not RosterLine.objects.filter(roster=roster).exists()
    assert RosterExclusion.objects.get(roster=roster).died_on == date(2026, 2, 20)
