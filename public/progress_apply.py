"""What an applicant may learn of their own application: public stages only.

The lookup needs the case number and the applicant's resident ID together; a wrong number, a
wrong ID and no such case give the same answer (None). The progress names no member but the
applicant's household size, no staff member, no note: the stage, its dates, what the one-time
notice asks for, and the decision with its reasons and remedies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.timezone import localdate
from django.utils.translation import gettext_lazy as _

from assistance.documents.notices import correction_facts
from assistance.ids import InvalidResidentId, parse_resident_id
from assistance.models import AssistanceType, Case, CaseStatus, Channel, Evidence, RegionLevel
from engine.clock import clock
from engine.models import AuditEvent, Task, Wait
from public.actions_apply import ONLINE_USERNAME, UPLOAD_STEPS

# (code, label) in the order an application goes through them.
STAGES = {
    "received": _("Received, waiting for the township's acceptance"),
    "missing": _("Documents missing: see the one-time notice below"),
    "accepted": _("Accepted, being checked and reviewed"),
    "investigation": _("Home investigation under way"),
    "notice": _("In public notice in the village"),
    "approved": _("Approved"),
    "refused": _("Refused"),
    "withdrawn": _("Withdrawn"),
    "closed": _("Ended"),
}
INVESTIGATION_STEPS = ("investigate", "cosign", "county_investigate")
ACCEPTED = ("complete", "aid_first")


@dataclass
class Progress:
    number: str
    kind: str
    online: bool
    stage: str
    stage_label: str
    applied_on: date
    accepted_on: date | None = None
    decided_on: date | None = None
    missing: list[str] = field(default_factory=list)
    missing_noticed_on: date | None = None
    may_upload: bool = False
    scans_sent: int = 0
    monthly_amount: Decimal | None = None
    one_off: bool = False
    start_month: date | None = None
    reasons: str = ""
    county: str = ""
    township: str = ""


def find_case(number: str, resident_id: str) -> Case | None:
    """The case with this number whose applicant has this resident ID, else None."""
    number = (number or "").strip().upper()
    if not number or len(number) > 40:
        return None
    try:
        resident = parse_resident_id(resident_id or "", today=clock.today()).number
    except InvalidResidentId:
        return None
    return (
        Case.objects.filter(
            number=number,
            household__members__resident_id=resident,
            household__members__is_applicant=True,
        )
        .select_related("region")
        .first()
    )


def progress(case: Case) -> Progress:
    township = case.region.ancestor_of_level(RegionLevel.TOWNSHIP)
    county = case.region.ancestor_of_level(RegionLevel.COUNTY)
    result = Progress(
        number=case.number,
        kind=str(AssistanceType(case.assistance_type).label),
        online=case.channel == Channel.ONLINE,
        stage="received",
        stage_label="",
        applied_on=localdate(case.created_at),
        township=township.name if township else "",
        county=county.name if county else "",
    )
    accepted = (
        AuditEvent.objects.filter(
            case=case,
            action="task.completed",
            payload__data__acceptance_decision__in=ACCEPTED,
        )
        .order_by("at", "seq")
        .first()
    )
    if accepted is not None:
        result.accepted_on = localdate(accepted.at)
    result.scans_sent = Evidence.objects.filter(
        case=case, uploaded_by__username=ONLINE_USERNAME
    ).count()
    if case.status != CaseStatus.IN_PROGRESS:
        _decided(case, result)
    else:
        _under_way(case, result)
    result.stage_label = str(STAGES[result.stage])
    return result


def _decided(case: Case, result: Progress) -> None:
    result.decided_on = case.decided_on or case.ended_on
    if case.status == CaseStatus.ACTIVE:
        result.stage = "approved"
    elif case.status == CaseStatus.CLOSED and case.end_reason == "one_off_paid":
        result.stage = "approved"
        result.one_off = True
    else:
        result.stage = str(case.status)
    if result.stage == "approved":
        result.monthly_amount = case.monthly_amount
        result.start_month = case.start_month
    if result.stage == "refused":
        result.reasons = case.outcome_reasons


def _under_way(case: Case, result: Progress) -> None:
    steps = set(Task.objects.filter(case=case).values_list("spec_name", flat=True))
    in_notice = Wait.objects.filter(case=case, messages__contains="objection").exists()
    if "supplement" in steps:
        result.stage = "missing"
        facts = correction_facts(case)
        if facts is not None:
            result.missing = list(facts["missing"])
            result.missing_noticed_on = date.fromisoformat(facts["noticed_on"])
    elif steps & {"acceptance", "emergency_acceptance"}:
        result.stage = "received"
    elif steps & set(INVESTIGATION_STEPS):
        result.stage = "investigation"
    elif in_notice:
        result.stage = "notice"
    else:
        result.stage = "accepted"
    result.may_upload = result.online and bool(steps & set(UPLOAD_STEPS))
