"""Submit, approve, return: four eyes (in code and in the database), approval creates exactly
the right cases and grants in one transaction, idempotent, audited."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404

from assistance.actions import ActionError
from assistance.models import AssistanceType, Case, CaseStatus
from engine.clock import clock
from engine.models import AuditEvent
from payments.actions_grants import (
    do_import_relocation_list,
    do_return_batch,
    do_submit_batch,
)
from payments.models import BatchStatus, GrantBatch, GrantKind, OneOffGrant
from tests.fixtures import SHANGHAI
from tests.payments.grants_world import (
    approve_now,
    card,
    csv_bytes,
    good_rows,
    relocated,
    rid,
    xlsx,
)


@pytest.fixture
def in_march():
    clock.set(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI))
    yield
    clock.reset()


def submitted(world, rows=None, user="finance"):
    batch = do_import_relocation_list(
        world.county.pk, actor=world[user], file_name="list.xlsx", data=xlsx(rows or good_rows())
    )
    return do_submit_batch(batch.pk, actor=world[user])


def test_it_creates_a_closed_one_off_case_and_a_grant_per_household(world, in_march):
    homes = relocated(world)
    rows = [*good_rows(), [rid(60), "不存在", "东村", 2, card(60)]]
    batch = approve_now(submitted(world, rows).pk, actor=world["approver"], note="同意")
    assert batch.status == BatchStatus.APPROVED
    assert batch.decided_by == world["approver"] and batch.decision_note == "同意"
    grants = OneOffGrant.objects.filter(batch=batch).select_related("case").order_by("pk")
    assert [(g.case.household_id, g.amount) for g in grants] == [
        (homes["zhang"].pk, Decimal("6000.00")),
        (homes["li"].pk, Decimal("3000.00")),
        (homes["wang"].pk, Decimal("4500.00")),
    ]
    assert {g.payable_from for g in grants} == {date(2026, 4, 1)}
    assert {g.kind for g in grants} == {GrantKind.RELOCATION}
    case = grants[0].case
    assert case.assistance_type == AssistanceType.TEMPORARY
    assert case.status == CaseStatus.CLOSED and case.end_reason == "one_off_paid"
    assert case.decided_on == date(2026, 3, 10) and case.region == world.village_a1
    assert case.number == f"LS2026{case.pk:08d}"
    assert case.details["cause"] == "relocation" and case.details["grant_batch"] == batch.pk
    assert case.bank_card == card(1) and case.payee_name == "张大山"
    assert case.created_by == world["finance"]
    assert Case.objects.count() == 3
    assert batch.rows[0]["case_id"] == case.pk
    trail = list(
        AuditEvent.objects.filter(case=case).order_by("seq").values_list("action", "payload")
    )
    assert [action for action, _ in trail] == ["case.created", "grant.created"]
    assert trail[1][1]["batch"] == batch.pk
    assert trail[1][1]["prepared_by"] == "finance" and trail[1][1]["approved_by"] == "approver"
    system = AuditEvent.objects.filter(case__isnull=True, action__startswith="grant_batch.")
    assert list(system.order_by("pk").values_list("action", flat=True)) == [
        "grant_batch.created",
        "grant_batch.submitted",
        "grant_batch.approved",
        "grant_batch.granted",
    ]


def test_it_refuses_the_preparer_as_approver(world):
    relocated(world)
    batch = submitted(world, user="approver")
    with pytest.raises(ActionError, match="双人复核"):
        approve_now(batch.pk, actor=world["approver"])
    with pytest.raises(ActionError):
        do_return_batch(batch.pk, "不对", actor=world["approver"])
    assert not OneOffGrant.objects.exists()
    assert GrantBatch.objects.get(pk=batch.pk).status == BatchStatus.SUBMITTED


def test_it_is_refused_by_the_database_when_the_preparer_decides(world):
    relocated(world)
    batch = submitted(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        GrantBatch.objects.filter(pk=batch.pk).update(decided_by=world["finance"])


def test_it_lets_a_payments_officer_prepare_but_not_approve(world):
    relocated(world)
    batch = submitted(world)
    with pytest.raises(PermissionDenied):
        approve_now(batch.pk, actor=world["finance2"])
    with pytest.raises(PermissionDenied):
        approve_now(batch.pk, actor=world["auditor"])
    with pytest.raises(Http404):
        approve_now(batch.pk, actor=world["outsider"])


def test_it_never_grants_twice_when_approved_again_or_reimported(world):
    relocated(world)
    # CSV, byte for byte the same each time (a saved workbook carries its save time).
    listing = csv_bytes(good_rows())
    batch = do_import_relocation_list(
        world.county.pk, actor=world["finance"], file_name="list.csv", data=listing
    )
    do_submit_batch(batch.pk, actor=world["finance"])
    approve_now(batch.pk, actor=world["approver"])
    with pytest.raises(ActionError):
        approve_now(batch.pk, actor=world["approver"])
    # The same list again: every row is already granted, so there is nothing to submit.
    same = do_import_relocation_list(
        world.county.pk, actor=world["finance"], file_name="list.csv", data=listing
    )
    assert [row["ok"] for row in same.rows] == [False, False, False]
    with pytest.raises(ActionError, match="没有可提交"):
        do_submit_batch(same.pk, actor=world["finance"])
    created = AuditEvent.objects.get(action="grant_batch.created", payload__batch=same.pk)
    assert created.payload["same_file_as_batch"] == batch.pk
    assert OneOffGrant.objects.count() == 3 and Case.objects.count() == 3


def test_it_grants_a_household_named_in_two_batches_once(world):
    relocated(world)
    first = do_import_relocation_list(
        world.county.pk, actor=world["finance"], file_name="a.xlsx", data=xlsx(good_rows()[:1])
    )
    # Prepared before the first was submitted: the household is not flagged in it.
    second = do_import_relocation_list(
        world.county.pk, actor=world["finance2"], file_name="b.xlsx", data=xlsx(good_rows()[:2])
    )
    do_submit_batch(first.pk, actor=world["finance"])
    do_submit_batch(second.pk, actor=world["finance2"])
    approve_now(first.pk, actor=world["approver"])
    done = approve_now(second.pk, actor=world["approver"])
    assert [row["ok"] for row in done.rows] == [False, True]
    assert done.rows[0]["problems"][-1]["code"] == "already_granted"
    assert done.total_amount == Decimal("3000.00")
    assert OneOffGrant.objects.count() == 2
    event = AuditEvent.objects.get(action="grant_batch.granted", payload__batch=second.pk)
    assert event.payload["grants"] == 1 and event.payload["skipped"] == 1


def test_it_returns_with_a_note_and_grants_nothing(world):
    relocated(world)
    batch = submitted(world)
    with pytest.raises(ActionError, match="原因"):
        do_return_batch(batch.pk, "  ", actor=world["approver"])
    returned = do_return_batch(batch.pk, "第3行人数需核实", actor=world["approver"])
    assert returned.status == BatchStatus.RETURNED
    assert returned.decision_note == "第3行人数需核实"
    assert not OneOffGrant.objects.exists() and not Case.objects.exists()
    with pytest.raises(ActionError):
        approve_now(batch.pk, actor=world["approver"])
    # Returned, the households are free for a corrected list.
    again = do_import_relocation_list(
        world.county.pk, actor=world["finance"], file_name="list.xlsx", data=xlsx(good_rows())
    )
    assert all(row["ok"] for row in again.rows)


def test_it_lets_only_the_preparer_submit_and_only_once(world):
    relocated(world)
    batch = do_import_relocation_list(
        world.county.pk, actor=world["finance"], file_name="list.xlsx", data=xlsx(good_rows())
    )
    with pytest.raises(ActionError):
        do_submit_batch(batch.pk, actor=world["finance2"])
    with pytest.raises(PermissionDenied):
        do_submit_batch(batch.pk, actor=world["auditor"])
    do_submit_batch(batch.pk, actor=world["finance"])
    with pytest.raises(ActionError):
        do_submit_batch(batch.pk, actor=world["finance"])


def test_it_refuses_outsiders_and_readers_an_import(world):
    relocated(world)
    for user, error in (("outsider", Http404), ("policy", Http404), ("auditor", PermissionDenied)):
        with pytest.raises(error):
            do_import_relocation_list(
                world.county.pk, actor=world[user], file_name="l.xlsx", data=xlsx(good_rows())
            )
    assert not GrantBatch.objects.exists()


def test_it_skips_a_head_whose_death_is_recorded_before_approval(world):
    from assistance.models import DeathRecord

    relocated(world)
    batch = submitted(world)
    DeathRecord.objects.create(
        resident_id=rid(2), died_on=date(2026, 1, 5), source="公安", imported_at=clock.now()
    )
    done = approve_now(batch.pk, actor=world["approver"])
    assert [row["ok"] for row in done.rows] == [True, False, True]
    assert done.rows[1]["problems"] == [{"code": "deceased"}]
    assert done.total_amount == Decimal("10500.00")
    assert OneOffGrant.objects.count() == 2


def test_it_recuses_relatives_and_refuses_an_approver_related_to_a_household(world):
    from assistance.actions import do_declare_relative
    from assistance.models import CaseRecusal, Member

    homes = relocated(world)
    wife = Member.objects.filter(household=homes["li"], is_applicant=False).first()
    do_declare_relative(
        actor=world["approver"], name=wife.name, resident_id=wife.resident_id, relation="spouse"
    )
    do_declare_relative(actor=world["clerk"], name="张大山", resident_id=rid(1), relation="sibling")
    batch = submitted(world)
    with pytest.raises(ActionError, match="第 3 行"):
        approve_now(batch.pk, actor=world["approver"])
    assert not OneOffGrant.objects.exists()
    # Returned and imported again without that household, another approver is not needed.
    do_return_batch(batch.pk, "李秀英是审批人亲属，另行审批", actor=world["approver"])
    rows = [good_rows()[0], good_rows()[2]]
    done = approve_now(submitted(world, rows).pk, actor=world["approver"])
    zhang = Case.objects.get(pk=done.rows[0]["case_id"])
    assert zhang.relative_flag
    assert list(
        CaseRecusal.objects.filter(case=zhang).values_list("user__username", flat=True)
    ) == ["clerk"]
    assert AuditEvent.objects.filter(case=zhang, action="case.relatives_flagged").exists()
    assert not Case.objects.get(pk=done.rows[1]["case_id"]).relative_flag
