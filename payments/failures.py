"""A failed payment becomes a task: the process "payment_failure" (workflows/
payment_failure.bpmn) starts on the case with a user task for the township clerk to check
and correct the bank account; its end writes the corrected account on the case. The month
the bank could not pay stays owed (its line is failed), so the next roster pays it as back
pay.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from assistance.ids import InvalidBankCard, parse_bank_card
from assistance.models import Case
from assistance.projections import register_outcome_handler
from engine import audit, runtime
from engine.models import InstanceStatus, ProcessInstance
from payments.models import Roster, RosterLine

PROCESS_KEY = "payment_failure"


def running_for(case_id: int) -> bool:
    return ProcessInstance.objects.filter(
        case_id=case_id, status=InstanceStatus.RUNNING, definition__key=PROCESS_KEY
    ).exists()


def start_for(
    line: RosterLine, roster: Roster, reason: str, *, actor: User, role: str = "county_finance"
) -> bool:
    """Start the failure process on the line's case unless one already runs there (one task
    covers every failed line of a case). Returns whether one started."""
    case = line.case
    if running_for(case.pk):
        audit.record(
            "payments.payment_failed",
            actor=actor,
            role=role,
            region_id=case.region_id,
            case_id=case.pk,
            payload={
                "line": line.pk,
                "for_month": line.for_month.isoformat(),
                "reason": reason,
                # Shown on the case's timeline.
                "title": f"{line.for_month:%Y-%m} {reason}",
            },
        )
        return False
    runtime.start(
        PROCESS_KEY,
        case_id=case.pk,
        region_id=case.region_id,
        actor=actor,
        role=role,
        data={
            "case_id": case.pk,
            "case_number": case.number,
            "assistance_type": case.assistance_type,
            "roster_month": roster.month.isoformat(),
            "for_month": line.for_month.isoformat(),
            "failure_reason": reason,
            "payee_name": case.payee_name,
            "bank_name": case.bank_name,
        },
    )
    audit.record(
        "payments.payment_failed",
        actor=actor,
        role=role,
        region_id=case.region_id,
        case_id=case.pk,
        payload={"line": line.pk, "for_month": line.for_month.isoformat(), "reason": reason},
    )
    return True


def apply_failure_outcome(case: Case, data: dict[str, Any]) -> list[str]:
    """The clerk's corrected account goes on the case (checked again: the form's Luhn format
    already refused a mistyped card)."""
    try:
        card = parse_bank_card(str(data.get("bank_card", "")))
    except InvalidBankCard:
        return []
    previous = case.bank_card
    case.payee_name = str(data.get("payee_name", case.payee_name)).strip()[:50]
    case.bank_name = str(data.get("bank_name", case.bank_name)).strip()[:100]
    case.bank_card = card
    audit.record(
        "payments.account_set",
        actor=None,
        role="system",
        region_id=case.region_id,
        case_id=case.pk,
        payload={
            "card_tail": card[-4:],
            "previous_card_tail": previous[-4:] if previous else None,
            "bank_name": case.bank_name,
            "process": PROCESS_KEY,
        },
    )
    return ["payee_name", "bank_name", "bank_card"]


register_outcome_handler(PROCESS_KEY, apply_failure_outcome)
