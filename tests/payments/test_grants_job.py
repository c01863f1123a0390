"""The granting job of an approved batch (payments.actions_grants.run_grant_batch): chunks of
rows, each its own transaction; idempotent (a repeated delivery or a rerun grants nothing
twice); resumable after a pass stopped half-way; progress on the batch."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from assistance.actions import ActionError
from assistance.models import Case
from engine import audit
from engine.clock import clock
from engine.models import AuditEvent
from payments import actions_grants
from payments.actions_grants import (
    do_approve_batch,
    do_continue_granting,
    do_import_relocation_list,
    do_select_price_subsidy,
    do_submit_batch,
    may_continue,
    run_grant_batch,
)
from payments.grants import SubsidyClass
from payments.models import BatchStatus, GrantBatch, OneOffGrant
from tests.payments.grants_world import active_case, card, household, rid, xlsx

pytestmark = pytest.mark.usefixtures("fixed_clock")


def waiting(world, count=7):
    rows = []
    for index in range(1, count + 1):
        household(world.village_a1, f"户主{index}", index, members=2)
        rows.append([rid(index), f"户主{index}", "东村", 2, card(index)])
    batch = do_import_relocation_list(
        world.county.pk, actor=world["finance"], file_name="l.xlsx", data=xlsx(rows)
    )
    return do_submit_batch(batch.pk, actor=world["finance"])


def approved_not_run(world, count=7):
    """Approved; the job queued at the commit, which a test transaction never reaches."""
    return do_approve_batch(waiting(world, count).pk, actor=world["approver"])


def fresh(batch):
    return GrantBatch.objects.get(pk=batch.pk)


def granted(batch):
    return sorted(OneOffGrant.objects.filter(batch=batch).values_list("case_id", "amount"))


def test_it_grants_in_chunks_and_marks_each_row(world):
    batch = approved_not_run(world)
    assert (batch.status, batch.job_total, batch.job_done) == (BatchStatus.GRANTING, 7, 0)
    assert run_grant_batch(batch.pk, batch.job_token, chunk=3) == BatchStatus.APPROVED
    batch = fresh(batch)
    assert (batch.status, batch.job_done) == (BatchStatus.APPROVED, 7)
    assert batch.granted_at is not None and batch.job_error == ""
    assert len(granted(batch)) == 7 == Case.objects.filter(details__grant_batch=batch.pk).count()
    assert all(row["done"] and row["case_id"] for row in batch.rows)
    events = AuditEvent.objects.filter(case__details__grant_batch=batch.pk)
    assert events.filter(action="case.created").count() == 7
    assert events.filter(action="grant.created", actor=world["approver"]).count() == 7
    assert AuditEvent.objects.get(action="grant_batch.granted").payload["grants"] == 7
    assert audit.verify().ok


def test_it_grants_nothing_twice_when_run_again(world):
    batch = approved_not_run(world)
    token = batch.job_token
    assert run_grant_batch(batch.pk, token) == BatchStatus.APPROVED
    before = granted(fresh(batch))
    # The same delivery again (the broker redelivers after a lost ack): nothing happens.
    assert run_grant_batch(batch.pk, token) == "skipped"
    # A pass that finds no row marked (as if the marks were lost): every household is seen
    # granted by this very batch, marked done again with its case, nothing new.
    batch = fresh(batch)
    cases = [row["case_id"] for row in batch.rows]
    rows = [{key: value for key, value in row.items() if key != "done"} for row in batch.rows]
    GrantBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.GRANTING, rows=rows, job_token="again", job_done=0
    )
    assert run_grant_batch(batch.pk, "again", chunk=2) == BatchStatus.APPROVED
    batch = fresh(batch)
    assert granted(batch) == before and len(before) == 7
    assert [row["case_id"] for row in batch.rows] == cases
    assert all(row["ok"] for row in batch.rows)
    assert AuditEvent.objects.filter(action="grant.created").count() == 7


def test_it_resumes_after_a_pass_that_stopped_half_way(world, monkeypatch):
    batch = approved_not_run(world)
    real = actions_grants._grant_relocation
    calls = []

    def dies_on_the_third_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("worker lost its database connection")
        return real(*args, **kwargs)

    monkeypatch.setattr(actions_grants, "_grant_relocation", dies_on_the_third_chunk)
    with pytest.raises(RuntimeError):
        run_grant_batch(batch.pk, batch.job_token, chunk=2)
    batch = fresh(batch)
    # Two chunks committed, the third rolled back as a whole.
    assert (batch.status, batch.job_done, batch.job_total) == (BatchStatus.GRANTING, 4, 7)
    assert "database connection" in batch.job_error and may_continue(batch)
    assert len(granted(batch)) == 4
    assert sum(1 for row in batch.rows if row.get("done")) == 4
    monkeypatch.setattr(actions_grants, "_grant_relocation", real)

    old_token = batch.job_token
    continued = do_continue_granting(batch.pk, actor=world["finance"])
    assert continued.job_token != old_token and continued.job_error == ""
    # The old pass's token is dead; the new one finishes the rows not done.
    assert run_grant_batch(batch.pk, old_token) == "skipped"
    assert run_grant_batch(batch.pk, continued.job_token, chunk=2) == BatchStatus.APPROVED
    batch = fresh(batch)
    assert batch.status == BatchStatus.APPROVED and batch.job_done == 7
    assert len(granted(batch)) == 7
    assert len({row["case_id"] for row in batch.rows}) == 7
    assert AuditEvent.objects.filter(action="grant_batch.continued").count() == 1
    assert audit.verify().ok


def test_it_may_be_continued_only_when_stopped_or_lost(world):
    batch = approved_not_run(world, count=2)
    with pytest.raises(ActionError):
        do_continue_granting(batch.pk, actor=world["approver"])
    # A worker that died without a word: after a while its pass counts as lost.
    clock.set(clock.now() + actions_grants.STALE_AFTER + timedelta(minutes=1))
    assert may_continue(fresh(batch))
    continued = do_continue_granting(batch.pk, actor=world["approver"])
    assert run_grant_batch(batch.pk, continued.job_token) == BatchStatus.APPROVED
    with pytest.raises(ActionError):
        do_continue_granting(batch.pk, actor=world["approver"])
    with pytest.raises(PermissionDenied):
        do_continue_granting(batch.pk, actor=world["auditor"])


def test_it_keeps_four_eyes_and_records_the_approver(world):
    relocate = [[rid(50), "户主50", "东村", 2, card(50)]]
    household(world.village_a1, "户主50", 50, members=2)
    own = do_import_relocation_list(
        world.county.pk, actor=world["approver"], file_name="l.xlsx", data=xlsx(relocate)
    )
    do_submit_batch(own.pk, actor=world["approver"])
    with pytest.raises(ActionError, match="双人复核"):
        do_approve_batch(own.pk, actor=world["approver"])
    assert fresh(own).status == BatchStatus.SUBMITTED and not fresh(own).job_token
    with pytest.raises(PermissionDenied):
        do_approve_batch(own.pk, actor=world["finance"])
    batch = waiting(world, count=2)
    done = do_approve_batch(batch.pk, actor=world["approver"])
    assert done.decided_by == world["approver"] and done.status == BatchStatus.GRANTING
    with pytest.raises(ActionError):
        do_approve_batch(batch.pk, actor=world["approver"])
    run_grant_batch(batch.pk, done.job_token)
    assert set(
        AuditEvent.objects.filter(action="grant.created").values_list("actor", flat=True)
    ) == {world["approver"].pk}


def test_it_skips_a_household_granted_by_another_batch_meanwhile(world):
    for index in (1, 2, 3):
        household(world.village_a1, f"户主{index}", index, members=2)
    lines = [[rid(index), f"户主{index}", "东村", 2, card(index)] for index in (1, 2, 3)]
    first, second = (
        do_import_relocation_list(
            world.county.pk, actor=world[who], file_name=f"{who}.xlsx", data=data
        )
        for who, data in (("finance", xlsx(lines)), ("finance2", xlsx(lines[:1])))
    )
    # A batch being granted holds its households: a list imported now marks them pending.
    for batch in (first, second):
        do_submit_batch(batch.pk, actor=batch.created_by)
    first = do_approve_batch(first.pk, actor=world["approver"])
    second = do_approve_batch(second.pk, actor=world["approver"])
    third = do_import_relocation_list(
        world.county.pk, actor=world["finance"], file_name="t.xlsx", data=xlsx(lines[1:2])
    )
    assert third.rows[0]["problems"][-1]["code"] == "pending"
    # Both approved before either job ran: the later job finds household 1 granted.
    assert run_grant_batch(second.pk, second.job_token) == BatchStatus.APPROVED
    assert run_grant_batch(first.pk, first.job_token, chunk=2) == BatchStatus.APPROVED
    first = fresh(first)
    assert [row["ok"] for row in first.rows] == [False, True, True]
    assert first.rows[0]["problems"][-1]["code"] == "already_granted"
    assert len(granted(first)) == 2 and len(granted(second)) == 1
    assert (
        AuditEvent.objects.get(action="grant_batch.granted", payload__batch=first.pk).payload[
            "skipped"
        ]
        == 1
    )


def test_it_grants_a_price_subsidy_in_chunks(world):
    homes = [household(world.village_a1, f"户{index}", 100 + index) for index in range(5)]
    for index, home in enumerate(homes):
        active_case(home, "dibao", f"DB{index:04d}")
    chosen = SubsidyClass(
        types=("dibao",),
        as_of=clock.today(),
        per="case",
        amount=Decimal("50.00"),
        month=clock.today().replace(day=1),
    )
    batch = do_select_price_subsidy(world.county.pk, chosen, actor=world["finance"])
    do_submit_batch(batch.pk, actor=world["finance"])
    batch = do_approve_batch(batch.pk, actor=world["approver"])
    assert run_grant_batch(batch.pk, batch.job_token, chunk=2) == BatchStatus.APPROVED
    assert run_grant_batch(batch.pk, batch.job_token) == "skipped"
    assert len(granted(batch)) == 5
    assert AuditEvent.objects.filter(action="grant.created").count() == 5
    assert audit.verify().ok
