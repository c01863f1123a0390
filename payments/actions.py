"""Every write of the payments workspace: one transaction each, access-checked, audited.

do_set_bank_account(case_id, actor=…, payee_name=…, bank_name=…, card_number=…)
do_build_roster(county_id, month, actor=…)   # queues payments.tasks.build_roster
do_approve_roster(roster_id, actor=…)        # twice, by two different people
do_export_roster(roster_id, fmt, actor=…)    # "xlsx" or "bank"
do_import_results(roster_id, name, data, actor=…)
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from assistance.actions import ActionError
from assistance.ids import InvalidBankCard, parse_bank_card
from assistance.models import Case, Region, RegionLevel
from engine import audit
from engine.clock import clock
from payments import access, exports, failures, months
from payments.models import LineStatus, Roster, RosterLine, RosterStatus

ROLE = access.FINANCE_ROLE
# Rosters of a county still open: a next month is built only when none is.
OPEN = (
    RosterStatus.BUILDING,
    RosterStatus.BUILT,
    RosterStatus.FIRST_APPROVED,
    RosterStatus.APPROVED,
)


def _role(actor: User, roles: set[str]) -> str:
    from assistance import access as case_access

    return next(role for role in case_access.acting_roles(actor) if role in roles)


@transaction.atomic
def do_set_bank_account(
    case_id: int, *, actor: User, payee_name: str, bank_name: str, card_number: str
) -> Case:
    """Record or correct where a case's benefit is paid; the card's check digit is checked."""
    case = access.get_case_account_for_user(actor, case_id, to_act=True)
    case = Case.objects.select_for_update().get(pk=case.pk)
    try:
        card = parse_bank_card(card_number)
    except InvalidBankCard as exc:
        raise ActionError(str(exc)) from exc
    payee_name, bank_name = payee_name.strip(), bank_name.strip()
    if not payee_name or not bank_name:
        raise ActionError(_("Give the bank and the account holder's name with the card number."))
    previous = case.bank_card
    case.payee_name, case.bank_name, case.bank_card = payee_name[:50], bank_name[:100], card
    case.save(update_fields=["payee_name", "bank_name", "bank_card"])
    audit.record(
        "payments.account_set",
        actor=actor,
        role=_role(actor, access.ACCOUNT_ROLES),
        region_id=case.region_id,
        case_id=case.pk,
        payload={
            "card_tail": card[-4:],
            "previous_card_tail": previous[-4:] if previous else None,
            "bank_name": case.bank_name,
        },
    )
    return case


@transaction.atomic
def do_build_roster(county_id: int, month: date, *, actor: User) -> Roster:
    """Start building (or rebuilding, before any approval) a county's roster for a month;
    the work runs in the background (payments.tasks.build_roster)."""
    county = access.counties_for_user(actor).filter(pk=county_id).first()
    if county is None:
        if not access.acts_on_rosters(actor) and access.reads_rosters(actor):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Your role may not build rosters.")
        from django.http import Http404

        raise Http404("No such county.")
    month = months.month_of(month)
    if month > months.add_months(months.month_of(clock.today()), 1):
        raise ActionError(_("A roster is built at most one month ahead."))
    roster = Roster.objects.select_for_update().filter(county=county, month=month).first()
    if roster is not None and roster.status not in (RosterStatus.BUILDING, RosterStatus.BUILT):
        raise ActionError(_("This month's roster is already approved: it cannot be rebuilt."))
    others = Roster.objects.filter(county=county).exclude(month=month)
    if others.filter(status__in=OPEN).exists():
        raise ActionError(
            _("Another month's roster of this county is not yet sent to the bank: finish it first.")
        )
    if others.filter(month__gt=month).exists():
        raise ActionError(_("A later month's roster exists: earlier months are paid as back pay."))
    now = clock.now()
    token = uuid.uuid4().hex
    if roster is None:
        roster = Roster.objects.create(
            county=county, month=month, built_by=actor, created_at=now, build_token=token
        )
        action = "payments.roster_build_started"
    else:
        roster.status = RosterStatus.BUILDING
        roster.build_token = token
        roster.built_by = actor
        roster.progress_done = roster.progress_total = 0
        roster.save()
        action = "payments.roster_rebuild_started"
    audit.record(
        action,
        actor=actor,
        role=ROLE,
        region_id=county.pk,
        payload={"roster": roster.pk, "month": month.isoformat()},
    )
    from payments import tasks

    roster_id = roster.pk
    transaction.on_commit(lambda: tasks.build_roster.delay(roster_id, token))
    return roster


@transaction.atomic
def do_approve_roster(roster_id: int, *, actor: User) -> Roster:
    """One of the two approvals a roster needs, by two different payments officers (the
    builder may give one of them)."""
    access.get_roster_for_user(actor, roster_id, to_act=True)
    roster = Roster.objects.select_for_update().get(pk=roster_id)
    now = clock.now()
    if roster.status == RosterStatus.BUILT:
        roster.status = RosterStatus.FIRST_APPROVED
        roster.first_approved_by, roster.first_approved_at = actor, now
        step = 1
    elif roster.status == RosterStatus.FIRST_APPROVED:
        if roster.first_approved_by_id == actor.pk:
            raise ActionError(_("The second approval must come from another person."))
        roster.status = RosterStatus.APPROVED
        roster.second_approved_by, roster.second_approved_at = actor, now
        step = 2
    else:
        raise ActionError(_("This roster is not waiting for an approval."))
    roster.save()
    _record_roster(
        "payments.roster_approved",
        roster,
        actor=actor,
        approval=step,
        lines=roster.line_count,
        total=str(roster.total_amount),
    )
    return roster


@transaction.atomic
def do_export_roster(roster_id: int, fmt: str, *, actor: User) -> exports.ExportFile:
    """The approved roster as the bank's file (or the XLSX with totals); the first export
    marks it sent to the bank. Every export is on the record."""
    access.get_roster_for_user(actor, roster_id, to_act=True)
    roster = Roster.objects.select_for_update().select_related("county").get(pk=roster_id)
    if roster.status not in (RosterStatus.APPROVED, RosterStatus.EXPORTED, RosterStatus.SETTLED):
        raise ActionError(_("Only an approved roster is sent to the bank."))
    if fmt not in ("xlsx", "bank"):
        raise ActionError(_("Unknown export format."))
    result = exports.roster_xlsx(roster) if fmt == "xlsx" else exports.bank_file(roster)
    if roster.status == RosterStatus.APPROVED:
        roster.status = RosterStatus.EXPORTED
        roster.exported_at = clock.now()
        roster.save(update_fields=["status", "exported_at"])
    _record_roster(
        "payments.roster_exported",
        roster,
        actor=actor,
        format=fmt,
        layout=result.layout,
        sha256=result.sha256,
        bytes=result.size,
        lines=roster.line_count,
    )
    return result


def _record_roster(action: str, roster: Roster, *, actor: User, **details: object) -> None:
    """An officer's step on a roster, on the record with the roster and its month."""
    audit.record(
        action,
        actor=actor,
        role=ROLE,
        region_id=roster.county_id,
        payload={"roster": roster.pk, "month": roster.month.isoformat(), **details},
    )


@dataclass
class ImportReport:
    paid: int = 0
    failed: int = 0
    tasks_started: int = 0
    settled: bool = False
    errors: list[str] = field(default_factory=list)


PAID_WORDS = {"paid", "success", "ok", "成功", "已发放", "0"}
FAILED_WORDS = {"failed", "fail", "失败", "发放失败", "1"}


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ActionError(_("The file is neither UTF-8 nor GBK text."))


def result_status(word: str) -> str | None:
    """The line status a bank's word for a result means (成功, 失败, paid…), or None."""
    word = word.strip().lower()
    if word in PAID_WORDS:
        return LineStatus.PAID
    if word in FAILED_WORDS:
        return LineStatus.FAILED
    return None


def parse_results(
    data: bytes, lines: dict[int, RosterLine]
) -> tuple[list[tuple[RosterLine, str, str]], list[str]]:
    """The bank's results: CSV with a header row, columns reference (流水号), result (结果:
    成功/失败) and reason (失败原因). Returns (line, status, reason) rows and row errors."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[RosterLine, str, str]] = []
    errors: list[str] = []
    seen: set[int] = set()
    header = next(reader, None)
    if header is None:
        return rows, [_("The file is empty.")]
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 2:
            errors.append(_("Row %(n)s: expected reference, result and reason.") % {"n": number})
            continue
        reference, result = row[0].strip(), row[1].strip().lower()
        reason = row[2].strip() if len(row) > 2 else ""
        if not reference.isdigit() or int(reference) not in lines:
            errors.append(
                _("Row %(n)s: reference %(ref)s is not a line of this roster.")
                % {"n": number, "ref": reference[:20]}
            )
            continue
        line_id = int(reference)
        if line_id in seen:
            errors.append(
                _("Row %(n)s: reference %(ref)s appears twice.") % {"n": number, "ref": reference}
            )
            continue
        seen.add(line_id)
        status = result_status(result)
        if status == LineStatus.FAILED and not reason:
            errors.append(_("Row %(n)s: a failed payment needs its reason.") % {"n": number})
            continue
        if status is None:
            errors.append(
                _("Row %(n)s: the result must be 成功 or 失败, not %(value)s.")
                % {"n": number, "value": row[1].strip()[:20]}
            )
            continue
        line = lines[line_id]
        if line.status != LineStatus.PENDING:
            errors.append(
                _("Row %(n)s: line %(ref)s already has a result.") % {"n": number, "ref": reference}
            )
            continue
        rows.append((line, status, reason[:200]))
    return rows, errors


@transaction.atomic
def do_import_results(roster_id: int, name: str, data: bytes, *, actor: User) -> ImportReport:
    """The bank's results, all or nothing: every row checked first, then each line marked
    paid or failed; each failed payment starts the payment-failure process on its case (a
    task for the township clerk to correct the account; the next roster pays it as back
    pay). The roster is settled once no line awaits the bank."""
    access.get_roster_for_user(actor, roster_id, to_act=True)
    roster = Roster.objects.select_for_update().select_related("county").get(pk=roster_id)
    if roster.status != RosterStatus.EXPORTED:
        raise ActionError(_("Results are imported for a roster sent to the bank."))
    if len(data) > settings.PAYMENTS_RESULTS_MAX_BYTES:
        raise ActionError(_("The file is too large."))
    lines = {
        line.pk: line
        for line in RosterLine.objects.filter(roster=roster).select_related("case", "case__region")
    }
    rows, errors = parse_results(data, lines)
    if errors:
        report = ImportReport(errors=errors)
        return report
    if not rows:
        raise ActionError(_("The file has no results."))
    report = apply_results(roster, rows, actor=actor, role=ROLE)
    audit.record(
        "payments.results_imported",
        actor=actor,
        role=ROLE,
        region_id=roster.county_id,
        payload={
            "roster": roster.pk,
            "file": name[:200],
            "sha256": hashlib.sha256(data).hexdigest(),
            "paid": report.paid,
            "failed": report.failed,
            "settled": report.settled,
        },
    )
    return report


def apply_results(
    roster: Roster, rows: list[tuple[RosterLine, str, str]], *, actor: User, role: str
) -> ImportReport:
    """Mark checked lines of a locked roster paid or failed, start the failure process on each
    failed one's case, and settle the roster once no line awaits the bank. The caller has
    checked every row and writes its own audit event (a file here, the bank's lines in
    `exchanges.bank`)."""
    now = clock.now()
    report = ImportReport()
    for line, status, reason in rows:
        line.status, line.failure_reason, line.settled_at = status, reason, now
    RosterLine.objects.bulk_update(
        [line for line, _status, _reason in rows], ["status", "failure_reason", "settled_at"]
    )
    for line, status, reason in rows:
        if status == LineStatus.PAID:
            report.paid += 1
            continue
        report.failed += 1
        if failures.start_for(line, roster, reason, actor=actor, role=role):
            report.tasks_started += 1
    report.settled = not RosterLine.objects.filter(
        roster=roster, status=LineStatus.PENDING
    ).exists()
    if report.settled:
        roster.status = RosterStatus.SETTLED
        roster.settled_at = now
        roster.save(update_fields=["status", "settled_at"])
    return report


@transaction.atomic
def do_record_roster_read(roster_id: int, *, actor: User, page: int | None = None) -> None:
    """An auditor read a roster (names and card tails): on the record, like their other reads."""
    roster = access.get_roster_for_user(actor, roster_id, to_act=False)
    audit.record(
        "payments.roster_viewed",
        actor=actor,
        role="auditor",
        region_id=roster.county_id,
        payload={"roster": roster.pk, "month": roster.month.isoformat(), "page": page},
    )


def county_of(region: Region) -> Region | None:
    return region.ancestor_of_level(RegionLevel.COUNTY)
