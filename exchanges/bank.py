"""The bank's payment results, line by line, for its system (the API).

The payments officer's file import (`payments.actions.do_import_results`) takes a whole
file or nothing; a bank's system sends results as they come, so each line here is its own
transaction, through the same code: the words for a result (`result_status`), then
`apply_results`, which marks the line, starts the payment-failure process on a failed
line's case and settles the roster once no line awaits the bank. A line already carrying
the same result is a duplicate; another result for it is refused (a Conflict).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from assistance.actions import ActionError
from engine import audit
from exchanges import access
from exchanges.outcomes import DUPLICATE, RECORDED, Conflict, Outcome, rejected
from payments import access as payments_access
from payments.actions import apply_results, result_status
from payments.models import LineStatus, Roster, RosterLine, RosterStatus

# Rosters a bank reads: approved by two officers and sent to it (the officer's export), or
# already settled.
READABLE = (RosterStatus.EXPORTED, RosterStatus.SETTLED)
MAX_LINES = 1000
# The largest id a row can have (PostgreSQL bigint): a bigger number names nothing.
MAX_ID = 2**63 - 1
MAX_REASON = 200


def rosters_for(actor: User, system: access.System | None) -> QuerySet[Roster]:
    if system is not None:
        return Roster.objects.filter(county__path__startswith=system.region.path)
    return payments_access.rosters_for_user(actor)


def get_roster(roster_id: int, *, actor: User, system: access.System | None) -> Roster:
    """A roster sent to the bank, inside the caller's region; 404 otherwise."""
    if not 0 < roster_id <= MAX_ID:
        raise Http404("No such roster.")
    roster = (
        rosters_for(actor, system)
        .filter(pk=roster_id, status__in=READABLE)
        .select_related("county")
        .first()
    )
    if roster is None:
        raise Http404("No such roster.")
    return roster


def roster_lines(roster: Roster) -> QuerySet[RosterLine]:
    return roster.lines.order_by("pk")


def receive_payment_results(
    roster_id: int,
    lines: Iterable[Mapping[str, Any]],
    *,
    actor: User,
    system: access.System | None = None,
) -> list[Outcome]:
    """Results for lines of one roster: `{"line": id, "result": "成功|失败|paid|failed",
    "reason": "…"}` each; one outcome per line, in order."""
    get_roster(roster_id, actor=actor, system=system)
    if system is None:
        payments_access.get_roster_for_user(actor, roster_id, to_act=True)
    items = list(lines)
    if len(items) > MAX_LINES:
        raise ActionError(_("Send at most %(n)s results at a time.") % {"n": MAX_LINES})
    role = system.role if system is not None else payments_access.FINANCE_ROLE
    outcomes = []
    for item in items:
        try:
            outcomes.append(_one(roster_id, item, actor=actor, role=role))
        except Conflict as exc:
            outcomes.append(rejected(exc, str(item.get("line", ""))[:20]))
    return outcomes


@transaction.atomic
def _one(roster_id: int, item: Mapping[str, Any], *, actor: User, role: str) -> Outcome:
    ref = str(item.get("line", "")).strip()[:20]
    status = result_status(str(item.get("result", "")))
    reason = str(item.get("reason") or "").strip()
    if status is None:
        return rejected(_("The result must be 成功 or 失败."), ref)
    if status == LineStatus.FAILED and not reason:
        return rejected(_("A failed payment needs its reason."), ref)
    if len(reason) > MAX_REASON:
        return rejected(_("The reason is longer than 200 characters."), ref)
    roster = Roster.objects.select_for_update().get(pk=roster_id)
    line = (
        RosterLine.objects.select_for_update(of=("self",))
        .select_related("case", "case__region")
        .filter(roster=roster, pk=int(ref) if ref.isdigit() and len(ref) < 19 else -1)
        .first()
    )
    if line is None:
        return rejected(_("No such line on this roster."), ref)
    if line.status != LineStatus.PENDING:
        if line.status == status and line.failure_reason == reason:
            return Outcome(DUPLICATE, "", ref)
        raise Conflict(_("This line already has another result; nothing was changed."))
    if roster.status != RosterStatus.EXPORTED:
        return rejected(_("Results are imported for a roster sent to the bank."), ref)
    report = apply_results(roster, [(line, status, reason)], actor=actor, role=role)
    audit.record(
        "payments.result_received",
        actor=actor,
        role=role,
        region_id=roster.county_id,
        case_id=line.case_id,
        payload={"roster": roster.pk, "line": line.pk, "status": status, "settled": report.settled},
    )
    return Outcome(RECORDED, "", ref)
