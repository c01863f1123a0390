"""Every write of batch grants: make a batch from an imported list or a class of recipients,
submit it, approve it or return it, each one transaction, access-checked and audited. An
approval queues the granting job (`run_grant_batch`, run by payments/tasks_grants.py) that
makes the cases and grants in chunks, idempotent and resumable."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils.translation import gettext as _

from assistance.actions import ActionError
from assistance.errors import UserFacingError
from assistance.kinds import kind_for
from assistance.models import (
    AssistanceType,
    Case,
    CaseRecusal,
    CaseStatus,
    DeathRecord,
    Household,
    Member,
    NearRelative,
    Region,
)
from engine import audit
from engine.clock import clock
from payments import grants
from payments.grants_files import read_upload
from payments.models import BatchStatus, GrantBatch, GrantKind, OneOffGrant

# A relocation grant is paid once, like any granted temporary aid (assistance.kinds.temporary):
# its case is decided and closed at once, so it never looks like a monthly benefit.
ONE_OFF_PAID = "one_off_paid"
# Rows granted per transaction by the job: each chunk locks the batch and the county, writes
# its cases, grants and audit events in bulk, and marks its rows done.
CHUNK_SIZE = 200
# A granting job whose worker has not written for this long is taken to be lost: it may be
# continued from the page.
STALE_AFTER = timedelta(minutes=10)


def _county(user: User, county_id: int) -> Region:
    county = next((c for c in grants.counties_for_user(user) if c.pk == county_id), None)
    if county is None:
        from django.http import Http404

        raise Http404("No such county.")
    return county


def _title(title: str, default: str) -> str:
    cleaned = " ".join(title.split())[:200]
    return cleaned or default


@transaction.atomic
def do_import_relocation_list(
    county_id: int, *, actor: User, file_name: str, data: bytes, title: str = ""
) -> GrantBatch:
    """A draft batch from an uploaded list of relocated households, each row matched against
    the register; rows with problems are kept with them, excluded from the total."""
    county = _county(actor, county_id)
    role = grants.require_role(actor, county, grants.PREPARE_ROLES)
    today = clock.today()
    try:
        per_person = grants.per_person_amount(county, today)
    except KeyError as exc:
        raise ActionError(
            _("The county has no relocation grant per person among its policy parameters.")
        ) from exc
    try:
        raw_rows = read_upload(file_name, data)
    except UserFacingError as exc:
        raise ActionError(str(exc)) from exc
    rows = grants.match_relocation_rows(county, raw_rows, per_person, today)
    sha256 = hashlib.sha256(data).hexdigest()
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1][:200]
    batch = GrantBatch.objects.create(
        kind=GrantKind.RELOCATION,
        county=county,
        title=_title(title, _("Relocation grants %(day)s") % {"day": today.isoformat()}),
        source_name=name,
        source_sha256=sha256,
        criteria={"per_person": str(per_person), "policy_day": today.isoformat()},
        rows=rows,
        total_amount=grants.kept_total(rows),
        created_by=actor,
        created_at=clock.now(),
    )
    earlier = (
        GrantBatch.objects.filter(county=county, source_sha256=sha256)
        .exclude(pk=batch.pk)
        .values_list("pk", flat=True)
        .first()
    )
    _record_created(
        batch, actor=actor, role=role, file=name, sha256=sha256, same_file_as_batch=earlier
    )
    return batch


@transaction.atomic
def do_select_price_subsidy(
    county_id: int, chosen: grants.SubsidyClass, *, actor: User, title: str = ""
) -> GrantBatch:
    """A draft batch of a price-linked subsidy for every case of the chosen class."""
    county = _county(actor, county_id)
    role = grants.require_role(actor, county, grants.PREPARE_ROLES)
    if not chosen.types or set(chosen.types) - set(grants.SUBSIDY_TYPES):
        raise ActionError(_("Choose at least one type of assistance."))
    if chosen.amount <= 0:
        raise ActionError(_("The amount must be more than 0 yuan."))
    if chosen.month.day != 1:
        raise ActionError(_("Choose the month the subsidy is paid in."))
    if chosen.month < date(clock.today().year, clock.today().month, 1):
        raise ActionError(_("The subsidy cannot be paid in a month already gone."))
    rows = grants.subsidy_rows(county, chosen)
    batch = GrantBatch.objects.create(
        kind=GrantKind.PRICE_SUBSIDY,
        county=county,
        title=_title(
            title, _("Price-linked subsidy %(month)s") % {"month": f"{chosen.month:%Y-%m}"}
        ),
        criteria=chosen.as_json(),
        rows=rows,
        total_amount=grants.kept_total(rows),
        created_by=actor,
        created_at=clock.now(),
    )
    _record_created(batch, actor=actor, role=role, criteria=batch.criteria)
    return batch


def _record_created(batch: GrantBatch, *, actor: User, role: str, **details: object) -> None:
    """The audit event of a new draft batch: its rows, how many are kept and their total,
    with what the batch was made from (the file, or the criteria)."""
    audit.record(
        "grant_batch.created",
        actor=actor,
        role=role,
        region_id=batch.county_id,
        payload={
            "batch": batch.pk,
            "kind": batch.kind,
            **details,
            "rows": len(batch.rows),
            "kept": sum(1 for row in batch.rows if row["ok"]),
            "total": str(batch.total_amount),
        },
    )


def _locked(actor: User, batch_id: int) -> GrantBatch:
    return grants.get_batch_for_user(actor, batch_id, lock=True)


@transaction.atomic
def do_submit_batch(batch_id: int, *, actor: User) -> GrantBatch:
    batch = _locked(actor, batch_id)
    role = grants.require_role(actor, batch.county, grants.PREPARE_ROLES)
    if batch.created_by_id != actor.pk:
        raise ActionError(_("Only the person who prepared the batch submits it."))
    if batch.status != BatchStatus.DRAFT:
        raise ActionError(_("This batch has already been submitted."))
    if not any(row.get("ok") for row in batch.rows):
        raise ActionError(_("No row of this batch can be granted: there is nothing to submit."))
    batch.status = BatchStatus.SUBMITTED
    batch.save(update_fields=["status"])
    audit.record(
        "grant_batch.submitted",
        actor=actor,
        role=role,
        region_id=batch.county_id,
        payload={"batch": batch.pk, "total": str(batch.total_amount)},
    )
    return batch


def _decidable(batch: GrantBatch, actor: User) -> str:
    role = grants.require_role(actor, batch.county, grants.APPROVE_ROLES)
    if batch.status != BatchStatus.SUBMITTED:
        raise ActionError(_("This batch is not awaiting approval."))
    if batch.created_by_id == actor.pk:
        raise ActionError(
            _(
                "You prepared this batch, so you cannot decide it: another approver must "
                "(four eyes)."
            )
        )
    return role


@transaction.atomic
def do_return_batch(batch_id: int, note: str, *, actor: User) -> GrantBatch:
    batch = _locked(actor, batch_id)
    role = _decidable(batch, actor)
    note = note.strip()
    if not note:
        raise ActionError(_("Say why the batch goes back."))
    batch.status = BatchStatus.RETURNED
    batch.decided_by = actor
    batch.decided_at = clock.now()
    batch.decision_note = note[:2000]
    batch.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record(
        "grant_batch.returned",
        actor=actor,
        role=role,
        region_id=batch.county_id,
        payload={"batch": batch.pk, "note": batch.decision_note},
    )
    return batch


@transaction.atomic
def do_approve_batch(batch_id: int, *, actor: User, note: str = "") -> GrantBatch:
    """Approve a batch (four eyes, R7) and queue the job that grants every kept row: for a
    relocation list a closed temporary-assistance case per household (cause relocation) with
    its grant; for a subsidy a grant on each case. The batch is `granting` until the job has
    dealt with every row (`run_grant_batch`), then `approved`."""
    batch = _locked(actor, batch_id)
    role = _decidable(batch, actor)
    today = clock.today()
    payable_from = (
        date.fromisoformat(batch.criteria["month"])
        if batch.kind == GrantKind.PRICE_SUBSIDY
        else grants.first_of_next_month(today)
    )
    kept = [row for row in batch.rows if row.get("ok")]
    if batch.kind == GrantKind.RELOCATION:
        _refuse_relatives_approving(batch, actor)
    else:
        recused = CaseRecusal.objects.filter(
            user=actor, case_id__in=[row["case_id"] for row in kept]
        ).values_list("case__number", flat=True)
        if recused:
            raise ActionError(
                _(
                    "You are recused from cases in this batch (%(cases)s): another approver "
                    "must decide it."
                )
                % {"cases": ", ".join(sorted(recused)[:10])}
            )
    now = clock.now()
    batch.criteria = {
        **batch.criteria,
        "payable_from": payable_from.isoformat(),
        "approved_as": role,
    }
    batch.status = BatchStatus.GRANTING
    batch.decided_by = actor
    batch.decided_at = now
    batch.decision_note = note.strip()[:2000]
    batch.job_token = uuid4().hex
    batch.job_total = len(kept)
    batch.job_done = 0
    batch.job_error = ""
    batch.job_updated_at = now
    batch.save()
    audit.record(
        "grant_batch.approved",
        actor=actor,
        role=role,
        region_id=batch.county_id,
        payload={
            "batch": batch.pk,
            "kind": batch.kind,
            "rows": len(kept),
            "total": str(batch.total_amount),
            "payable_from": payable_from.isoformat(),
            "prepared_by": batch.created_by.get_username(),
        },
    )
    _queue(batch)
    return batch


def may_continue(batch: GrantBatch) -> bool:
    """A granting job that stopped on an error, or whose worker has not written for a while
    (it died without the broker handing its task to another), may be continued."""
    if batch.status != BatchStatus.GRANTING:
        return False
    if batch.job_error:
        return True
    return batch.job_updated_at is None or batch.job_updated_at < clock.now() - STALE_AFTER


@transaction.atomic
def do_continue_granting(batch_id: int, *, actor: User) -> GrantBatch:
    """Start a new pass of a stopped granting job: rows already dealt with are not touched
    again, the others are granted."""
    batch = _locked(actor, batch_id)
    role = grants.require_role(actor, batch.county, grants.APPROVE_ROLES | grants.PREPARE_ROLES)
    if not may_continue(batch):
        raise ActionError(_("This batch is not waiting to be continued."))
    batch.job_token = uuid4().hex
    batch.job_error = ""
    batch.job_updated_at = clock.now()
    batch.save(update_fields=["job_token", "job_error", "job_updated_at"])
    audit.record(
        "grant_batch.continued",
        actor=actor,
        role=role,
        region_id=batch.county_id,
        payload={"batch": batch.pk, "done": batch.job_done, "rows": batch.job_total},
    )
    _queue(batch)
    return batch


def _queue(batch: GrantBatch) -> None:
    from payments import tasks_grants

    batch_id, token = batch.pk, batch.job_token
    transaction.on_commit(lambda: tasks_grants.grant_batch.delay(batch_id, token))


# ---------------------------------------------------------------- the worker's side


def run_grant_batch(batch_id: int, token: str, *, chunk: int | None = None) -> str:
    """One pass of the granting job; returns what it did ("approved", "stopped", "skipped").

    Idempotent and resumable: each chunk of rows is one transaction that locks the batch (only
    while it is granting under this token) and the county, grants the chunk's rows and marks
    each "done" in the batch's rows; a rerun, or a pass after a worker died, starts at the first
    row not done. A household or case granted meanwhile is skipped and marked, and the
    database's unique (case, batch) stands behind it.
    """
    size = chunk or CHUNK_SIZE
    claimed = GrantBatch.objects.filter(
        pk=batch_id, job_token=token, status=BatchStatus.GRANTING
    ).update(job_updated_at=clock.now())
    if not claimed:
        return "skipped"
    try:
        while True:
            outcome = _grant_chunk(batch_id, token, size)
            if outcome != "more":
                return outcome
    except Exception as exc:
        GrantBatch.objects.filter(pk=batch_id, job_token=token).update(
            job_error=str(exc)[:2000] or exc.__class__.__name__, job_updated_at=clock.now()
        )
        raise


@transaction.atomic
def _grant_chunk(batch_id: int, token: str, size: int) -> str:
    batch = (
        GrantBatch.objects.select_for_update(of=("self",))
        .select_related("created_by", "decided_by")
        .filter(pk=batch_id, job_token=token, status=BatchStatus.GRANTING)
        .first()
    )
    if batch is None:
        return "stopped"
    # One county at a time: two batches naming the same household cannot both grant it.
    Region.objects.select_for_update().get(pk=batch.county_id)
    todo = [row for row in batch.rows if row.get("ok") and not row.get("done")][:size]
    assert batch.decided_by is not None
    actor, role = batch.decided_by, batch.criteria.get("approved_as", "county_approver")
    payable_from = date.fromisoformat(batch.criteria["payable_from"])
    now = clock.now()
    mine = GrantBatch.objects.filter(pk=batch_id, job_token=token, status=BatchStatus.GRANTING)
    if not todo:
        made = batch.grants.count()
        skipped = sum(1 for row in batch.rows if row.get("done") and not row.get("ok"))
        total = grants.kept_total(batch.rows)
        mine.update(
            status=BatchStatus.APPROVED,
            total_amount=total,
            granted_at=now,
            job_done=batch.job_total,
            job_updated_at=now,
        )
        audit.record(
            "grant_batch.granted",
            actor=None,
            role="system",
            region_id=batch.county_id,
            payload={
                "batch": batch.pk,
                "kind": batch.kind,
                "grants": made,
                "skipped": skipped,
                "total": str(total),
                "approved_by": actor.get_username(),
            },
        )
        return BatchStatus.APPROVED
    if batch.kind == GrantKind.RELOCATION:
        _grant_relocation(batch, todo, actor, role, payable_from)
    else:
        _grant_subsidy(batch, todo, actor, role, payable_from)
    for row in todo:
        row["done"] = True
    mine.update(
        rows=batch.rows,
        job_done=sum(1 for row in batch.rows if row.get("done")),
        job_updated_at=now,
    )
    return "more"


def _relatives(household_ids: list[int]) -> dict[int, dict[int, NearRelative]]:
    """Household -> staff member -> their declaration of one of its members (R7)."""
    members = dict(
        Member.objects.filter(household_id__in=household_ids).values_list(
            "resident_id", "household_id"
        )
    )
    found: dict[int, dict[int, NearRelative]] = {}
    for declaration in NearRelative.objects.filter(resident_id__in=list(members)):
        found.setdefault(members[declaration.resident_id], {}).setdefault(
            declaration.staff_id, declaration
        )
    return found


def _refuse_relatives_approving(batch: GrantBatch, actor: User) -> None:
    """An approver never decides a grant to their own near relative (R7): another must."""
    kept = [row for row in batch.rows if row.get("ok")]
    related = _relatives([row["household_id"] for row in kept])
    lines = [str(row["line"]) for row in kept if actor.pk in related.get(row["household_id"], {})]
    if lines:
        raise ActionError(
            _(
                "You declared a near relative in this batch (lines %(lines)s): another "
                "approver must decide it."
            )
            % {"lines": ", ".join(lines)}
        )


def _recuse(cases: list[Case]) -> None:
    """Staff who declared a member of a granted household as a near relative are recused
    from its case, as from an application's (R7)."""
    related = _relatives([case.household_id for case in cases])
    flagged = [case for case in cases if case.household_id in related]
    CaseRecusal.objects.bulk_create(
        [
            CaseRecusal(
                case=case,
                user_id=staff_id,
                reason=f"near relative: {declaration.get_relation_display()}",
            )
            for case in flagged
            for staff_id, declaration in related[case.household_id].items()
        ],
        ignore_conflicts=True,
    )
    for case in flagged:
        case.relative_flag = True
        audit.record(
            "case.relatives_flagged",
            actor=None,
            role="system",
            region_id=case.region_id,
            case_id=case.pk,
            payload={"recused_staff": sorted(related[case.household_id])},
        )
    Case.objects.filter(pk__in=[case.pk for case in flagged]).update(relative_flag=True)


def _skip(row: dict[str, Any], problem: dict[str, Any]) -> None:
    row["problems"] = [*row.get("problems", []), problem]
    row["ok"] = False
    row["amount"] = "0.00"


def _grant_relocation(
    batch: GrantBatch, rows: list[dict[str, Any]], actor: User, role: str, payable_from: date
) -> None:
    household_ids = [row["household_id"] for row in rows]
    granted: dict[int, tuple[int | None, str, int, str]] = {
        household: (batch_id, title, case_id, number)
        for household, batch_id, title, case_id, number in OneOffGrant.objects.filter(
            kind=GrantKind.RELOCATION, case__household_id__in=household_ids
        ).values_list("case__household_id", "batch_id", "batch__title", "case_id", "case__number")
    }
    households = Household.objects.in_bulk(household_ids)
    # A head whose death was recorded after the preview is not granted either.
    dead = set(
        DeathRecord.objects.filter(
            resident_id__in=[row["resident_id"] for row in rows]
        ).values_list("resident_id", flat=True)
    )
    kind = kind_for(AssistanceType.TEMPORARY)
    prefix = kind.case_prefix if kind is not None else "LS"
    today = clock.today()
    todo = []
    planned: set[int] = set()
    for row in rows:
        if row["household_id"] in planned:
            _skip(row, {"code": "already_granted", "batch": batch.title})
            continue
        earlier = granted.get(row["household_id"])
        if earlier is not None and earlier[0] == batch.pk:
            # Granted by this very batch (a pass that stopped after its commit): done.
            row["case_id"], row["case_number"] = earlier[2], earlier[3]
            continue
        if earlier is not None:
            _skip(row, {"code": "already_granted", "batch": earlier[1]})
            continue
        if row["resident_id"] in dead:
            _skip(row, {"code": "deceased"})
            continue
        planned.add(row["household_id"])
        todo.append(row)
    cases = Case.objects.bulk_create(
        [_relocation_case(batch, households[row["household_id"]], row, today) for row in todo]
    )
    # The number from the id the insert gave, in one statement: LS + year + id on 8 digits.
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(
        number=Concat(
            Value(f"{prefix}{today:%Y}"),
            LPad(Cast("pk", output_field=CharField()), 8, Value("0")),
            output_field=CharField(),
        )
    )
    for case in cases:
        case.number = f"{prefix}{today:%Y}{case.pk:08d}"
    now = clock.now()
    made = OneOffGrant.objects.bulk_create(
        [
            OneOffGrant(
                case=case,
                kind=GrantKind.RELOCATION,
                batch=batch,
                amount=Decimal(row["amount"]),
                payable_from=payable_from,
                created_at=now,
            )
            for case, row in zip(cases, todo, strict=True)
        ]
    )
    events = []
    for case, grant, row in zip(cases, made, todo, strict=True):
        row["case_id"] = case.pk
        row["case_number"] = case.number
        events += _case_events(case, grant, batch, actor, role, created_case=True)
    audit.record_many(events)
    _recuse(cases)


def _relocation_case(
    batch: GrantBatch, household: Household, row: dict[str, Any], today: date
) -> Case:
    return Case(
        number=uuid4().hex,
        assistance_type=AssistanceType.TEMPORARY,
        household=household,
        region_id=household.region_id,
        status=CaseStatus.CLOSED,
        stage="",
        decided_on=today,
        ended_on=today,
        end_reason=ONE_OFF_PAID,
        details={
            "aid_type": "expenditure",
            "cause": grants.RELOCATION_CAUSE,
            "requested_amount": row["amount"],
            "people": row["people"],
            "grant_batch": batch.pk,
        },
        payee_name=row["name"][:50],
        bank_name=(row.get("bank") or "")[:100],
        bank_card=row["card"],
        created_by=batch.created_by,
        created_at=clock.now(),
    )


def _grant_subsidy(
    batch: GrantBatch, rows: list[dict[str, Any]], actor: User, role: str, payable_from: date
) -> None:
    ids = [row["case_id"] for row in rows]
    active = set(
        Case.objects.filter(pk__in=ids, status=CaseStatus.ACTIVE).values_list("pk", flat=True)
    )
    already = dict(
        OneOffGrant.objects.filter(
            kind=GrantKind.PRICE_SUBSIDY, payable_from=payable_from, case_id__in=ids
        ).values_list("case_id", "batch_id")
    )
    titles = dict(
        GrantBatch.objects.filter(pk__in=set(already.values())).values_list("pk", "title")
    )
    cases = Case.objects.in_bulk(ids)
    todo = []
    for row in rows:
        if already.get(row["case_id"]) == batch.pk:
            continue  # granted by this very batch in a pass that stopped after its commit
        if row["case_id"] not in active:
            _skip(row, {"code": "no_longer_active"})
            continue
        if row["case_id"] in already:
            _skip(
                row,
                {"code": "already_subsidised", "batch": titles.get(already[row["case_id"]], "")},
            )
            continue
        already[row["case_id"]] = batch.pk
        todo.append(row)
    now = clock.now()
    made = OneOffGrant.objects.bulk_create(
        [
            OneOffGrant(
                case=cases[row["case_id"]],
                kind=GrantKind.PRICE_SUBSIDY,
                batch=batch,
                amount=Decimal(row["amount"]),
                payable_from=payable_from,
                created_at=now,
            )
            for row in todo
        ]
    )
    events = []
    for grant in made:
        events += _case_events(grant.case, grant, batch, actor, role, created_case=False)
    audit.record_many(events)


def _case_events(
    case: Case, grant: OneOffGrant, batch: GrantBatch, actor: User, role: str, *, created_case: bool
) -> list[dict[str, Any]]:
    """The case's own trail says where its grant came from: the batch, who prepared it and
    who approved it (appended in bulk by `audit.record_many`)."""
    source = {
        "batch": batch.pk,
        "batch_title": batch.title,
        "prepared_by": batch.created_by.get_username(),
        "approved_by": actor.get_username(),
    }
    common = {"actor": actor, "role": role, "region_id": case.region_id, "case_id": case.pk}
    events = []
    if created_case:
        events.append(
            {
                **common,
                "action": "case.created",
                "payload": {
                    "number": case.number,
                    "type": case.assistance_type,
                    "source": "grant_batch",
                    "card_tail": case.bank_card[-4:],
                    **source,
                },
            }
        )
    events.append(
        {
            **common,
            "action": "grant.created",
            "payload": {
                "grant": grant.pk,
                "kind": grant.kind,
                "amount": str(grant.amount),
                "payable_from": grant.payable_from.isoformat(),
                **source,
            },
        }
    )
    return events
