"""Exit (退出, termination) of an active case of any kind: domain.md "Exit", R5, R8, R11.

The process "exit" (workflows/exit.bpmn) investigates the reason, gives households whose
income rose through employment a gradual exit (渐退期), posts the termination notice where
the rules require one, has the county approve, notifies in writing, and stops the benefits
from the month after. A death reported by the civil registry starts it without an
investigation; the death of one member of a larger dibao household recalculates the amount
instead of stopping it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assistance import access
from assistance.actions import ActionError, household_snapshot
from assistance.ids import InvalidResidentId, parse_resident_id
from assistance.models import (
    AssistanceType,
    Case,
    CaseStatus,
    DeathRecord,
    Household,
    Member,
    MonitoringEntry,
    Region,
)
from assistance.policy import Param, PolicyError, policy_for, register_params
from assistance.projections import register_outcome_handler
from engine import audit, registry, runtime
from engine.clock import clock
from engine.incidents import atomic_with_incidents
from engine.models import InstanceStatus, ProcessInstance

PROCESS_KEY = "exit"
DEATH_MESSAGE = "death_record"
EXIT_ROLES = {"township_clerk", "township_reviewer"}

COMMON_REASONS = frozenset({"death", "income_above_standard", "moved_away", "prison", "voluntary"})
REASONS_BY_KIND: dict[str, frozenset[str]] = {
    AssistanceType.TEKUN: COMMON_REASONS | {"work_capacity", "supporter_found"},
}
# Started only by a reported death, never chosen by staff.
MEMBER_DIED = "member_died"

# Every other kind pays one person, whose death ends the case; dibao pays a household,
# whose amount is recalculated when a member other than the last covered one dies.
HOUSEHOLD_KINDS = frozenset({AssistanceType.DIBAO})

OFFER_REASONS = {
    "dibao": "offer dibao application",
    "temporary": "offer temporary aid application",
}


# ---------------------------------------------------------------- policy and helpers


def _months(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 36:
        raise PolicyError(gettext_lazy("Expected a whole number of months from 0 to 36."))
    return value


COMBINATIONS = ("extension", "added", "longer")


def _combination(value: Any) -> str:
    if value not in COMBINATIONS:
        raise PolicyError(
            gettext_lazy(
                "Registered-poor households get the extension's months (extension), both "
                "periods added up (added) or the longer of the two (longer)."
            )
        )
    return str(value)


PARAMS = {
    "exit_gradual_months": Param(
        gettext_lazy("Gradual exit after employment (months of continued benefit)"),
        _months,
        "integer",
    ),
    "exit_registered_poor_months": Param(
        gettext_lazy(
            "Registered-poor households: months of continued benefit once they no longer qualify"
        ),
        _months,
        "integer",
    ),
    "exit_registered_poor_combination": Param(
        gettext_lazy(
            "Registered-poor households: the extension alone, added to the gradual exit, "
            "or the longer of the two"
        ),
        _combination,
        "choice",
        (
            ("extension", gettext_lazy("The extension alone")),
            ("added", gettext_lazy("The extension added to the gradual exit")),
            ("longer", gettext_lazy("The longer of the two")),
        ),
    ),
}
# Seed 004: registered-poor households keep their benefit 6 months (全部延长低保待遇6个月).
DEMO_POLICY: dict[str, Any] = {
    "exit_gradual_months": 6,
    "exit_registered_poor_months": 6,
    "exit_registered_poor_combination": "extension",
}


def add_months(day: Any, months: int) -> str:
    """The same day `months` later, clamped to the month's end (ISO dates in and out)."""
    start = date.fromisoformat(str(day)[:10])
    index = start.month - 1 + int(months)
    year, month = start.year + index // 12, index % 12 + 1
    following = date(year + (month // 12), month % 12 + 1, 1)
    last_day = (following - date.resolution).day
    return date(year, month, min(start.day, last_day)).isoformat()


def day_start(day: Any) -> str:
    """Midnight at the start of `day` in China: timers need a moment, not a date."""
    moment = datetime.combine(
        date.fromisoformat(str(day)[:10]), time.min, ZoneInfo(settings.TIME_ZONE)
    )
    return moment.isoformat()


def without_member(household: Mapping[str, Any], member: Any) -> dict[str, Any]:
    """The household snapshot without one member, their incomes and their own deductions."""
    key = str(member)
    return {
        **household,
        "members": [m for m in household.get("members") or [] if m.get("key") != key],
        "incomes": [i for i in household.get("incomes") or [] if i.get("member") != key],
        "deductions": [d for d in household.get("deductions") or [] if d.get("member") != key],
    }


def gradual_months(policy: Mapping[str, Any], registered_poor: bool) -> int:
    """Months of continued benefit after an exit for income (the diagram calls this).

    Gradual exit and the registered-poor extension are two rules: a registered-poor household
    gets the extension's months, not both added up, unless the county chose otherwise.
    """
    gradual = int(policy["exit_gradual_months"])
    if not registered_poor:
        return gradual
    extension = int(policy["exit_registered_poor_months"])
    combination = policy.get("exit_registered_poor_combination", "extension")
    if combination == "added":
        return gradual + extension
    if combination == "longer":
        return max(gradual, extension)
    return extension


def _register() -> None:
    register_params(PARAMS)
    registry.register_helper("add_months", add_months)
    registry.register_helper("gradual_months", gradual_months)
    registry.register_helper("day_start", day_start)
    registry.register_helper("without_member", without_member)
    register_outcome_handler(PROCESS_KEY, apply_exit_outcome)


# ---------------------------------------------------------------- rules


def allowed_reasons(kind: str) -> frozenset[str]:
    return REASONS_BY_KIND.get(kind, COMMON_REASONS)


def death_effect(kind: str, covered: list[str], single_person: str | None, dead: str) -> str | None:
    """What a member's death does to a case: "death" stops it, MEMBER_DIED recalculates it,
    None leaves it alone (the dead person was not whom the benefit is for)."""
    if single_person is not None:
        return "death" if dead == single_person else None
    if kind in HOUSEHOLD_KINDS:
        return "death" if covered == [dead] else MEMBER_DIED
    return "death" if dead in covered else None


def _covered_keys(case: Case) -> list[str]:
    return [
        str(pk) for pk in case.household.members.filter(covered=True).values_list("pk", flat=True)
    ]


def _single_key(case: Case) -> str | None:
    return str(case.single_person_id) if case.single_person_id else None


def _subject_ids(case: Case) -> list[str]:
    """Resident IDs of the people the benefit is for."""
    members = case.household.members.all()
    if case.single_person_id:
        members = members.filter(pk=case.single_person_id)
    else:
        members = members.filter(covered=True)
    return list(members.values_list("resident_id", flat=True))


def running_exit(case: Case) -> ProcessInstance | None:
    return (
        ProcessInstance.objects.filter(
            case=case, status=InstanceStatus.RUNNING, definition__key=PROCESS_KEY
        )
        .order_by("-pk")
        .first()
    )


# ---------------------------------------------------------------- starting an exit


def exit_data(
    case: Case,
    reason: str,
    details: Mapping[str, Any],
    death: DeathRecord | None = None,
    *,
    review_reasons: str | None = None,
) -> dict[str, Any]:
    """`review_reasons` set: the periodic review decided the exit after its own check and
    investigation, so the exit starts at the termination notice with the review's reasons."""
    day = clock.today()
    policy = policy_for(case.region, day)
    household = household_snapshot(case, day)
    single = household["single_person"]
    covered = [m for m in household["members"] if (m["key"] == single if single else m["covered"])]
    return {
        "case_id": case.pk,
        "case_number": case.number,
        "assistance_type": case.assistance_type,
        "kind": case.assistance_type,
        "reason": reason,
        "registered_poor": bool(case.details.get("registered_poor")),
        "exit_details": dict(details),
        "details": dict(case.details),
        "policy": policy,
        "household": household,
        "monthly_amount": str(case.monthly_amount) if case.monthly_amount is not None else None,
        # No public notice naming only minors (child privacy, R4).
        "notice_required": not all(m["minor"] for m in covered),
        "notice_round": 0,
        "notice_length": policy["notice_days"],
        "objections": [],
        "county_investigation_required": case.relative_flag,
        "death_recorded": death is not None,
        # Without a registry record, the date staff were told, for the investigation to verify.
        "died_on": death.died_on.isoformat() if death is not None else details.get("died_on"),
        "dead_member": str(details.get("member")) if details.get("member") else None,
        "offer_application": "none",
        "decided_at_review": review_reasons is not None,
        "review_reasons": review_reasons or "",
    }


def _start(
    case: Case,
    *,
    actor: User | None,
    role: str,
    reason: str,
    details: Mapping[str, Any],
    death: DeathRecord | None = None,
    review_reasons: str | None = None,
) -> ProcessInstance:
    if running_exit(case) is not None:
        raise ActionError(_("An exit is already under way for this case."), case=case)
    instance = runtime.start(
        PROCESS_KEY,
        case_id=case.pk,
        region_id=case.region_id,
        actor=actor,
        role=role,
        data=exit_data(case, reason, details, death, review_reasons=review_reasons),
    )
    audit.record(
        "case.exit_started",
        actor=actor,
        role=role,
        region_id=case.region_id,
        case_id=case.pk,
        instance_id=instance.pk,
        payload={"reason": reason, "decided_at_review": review_reasons is not None},
    )
    return instance


def start_exit_from_review(case: Case, *, reason: str, reasons: str) -> ProcessInstance | None:
    """The periodic review decided to stop the benefit: the exit process takes it from there
    (termination notice where required, county approval, written notice with the remedies,
    gradual exit or the registered-poor extension, then the stop).

    An exit staff started meanwhile already decides the case: the review's finding goes on
    its record for the staff handling it, and no second exit starts.
    """
    if reason not in allowed_reasons(case.assistance_type):
        reason = "income_above_standard"
    running = running_exit(case)
    if running is not None:
        audit.record(
            "case.exit_noted",
            actor=None,
            role="system",
            region_id=case.region_id,
            case_id=case.pk,
            instance_id=running.pk,
            payload={"source": "review", "reason": reason, "reasons": reasons},
        )
        return None
    return _start(
        case,
        actor=None,
        role="system",
        reason=reason,
        details={"review": True},
        review_reasons=reasons,
    )


@transaction.atomic
def do_start_exit(
    case: Case, *, actor: User, reason: str, details: Mapping[str, Any] | None = None
) -> ProcessInstance:
    """Township staff start the termination of an active case for one of the legal reasons."""
    access.require_role_in_region(actor, case.region, EXIT_ROLES)
    if case.recusals.filter(user=actor).exists():
        raise Http404("No such case.")
    case = Case.objects.select_for_update().select_related("region", "household").get(pk=case.pk)
    if reason not in allowed_reasons(case.assistance_type):
        raise ActionError(_("This is not a reason to end this kind of assistance."), case=case)
    if case.status != CaseStatus.ACTIVE:
        raise ActionError(_("Only an active case can be ended."), case=case)
    try:
        json.dumps(details or {})
    except (TypeError, ValueError) as exc:
        raise ActionError(_("The details of the exit must be plain text and numbers.")) from exc
    others = ProcessInstance.objects.filter(case=case, status=InstanceStatus.RUNNING).exclude(
        definition__key=PROCESS_KEY
    )
    if others.exists():
        # Messages go to a case's one running instance: a review or re-assessment under way
        # would no longer receive its check report.
        raise ActionError(_("This case already has a process under way."), case=case)
    death = None
    if reason == "death":
        death = DeathRecord.objects.filter(resident_id__in=_subject_ids(case)).first()
    return _start(
        case, actor=actor, role=_role(actor), reason=reason, details=details or {}, death=death
    )


def _role(actor: User) -> str:
    return next(role for role in access.acting_roles(actor) if role in EXIT_ROLES)


@dataclass
class DeathReport:
    record: DeathRecord
    created: bool
    started: list[Case] = field(default_factory=list)
    delivered: list[Case] = field(default_factory=list)
    # Cases that already had an exit under way past its investigation.
    noted: list[Case] = field(default_factory=list)
    # Cases whose exit failed on the death: held, the message kept on an incident for
    # policy staff to retry; the death itself stays on record.
    held: list[Case] = field(default_factory=list)


@atomic_with_incidents
def do_report_death(
    resident_id: str, died_on: date, *, actor: User | None, source: str, role: str | None = None
) -> DeathReport:
    """Record a death once; stop (or recalculate) every active case it concerns.

    `actor` None is the system importing the civil registry's records. A `role` names the
    exchange a death arrives through (`exchanges.deaths`: the civil registry's system, a
    county's file import), whose caller has checked the jurisdiction: no exit role is asked.
    """
    try:
        number = parse_resident_id(resident_id, today=clock.today()).number
    except InvalidResidentId as exc:
        raise ActionError(str(exc)) from exc
    if died_on > clock.today():
        raise ActionError(_("The date of death is in the future."))
    source = source.strip()
    if not source or len(source) > 100:
        raise ActionError(_("Name the source of the death record (at most 100 characters)."))
    # A staff member reporting a death from a case acts in an exit role over each case.
    staff = actor if role is None else None
    if staff is not None and not EXIT_ROLES.intersection(access.acting_roles(staff)):
        raise PermissionDenied("Your role may not do this.")
    record, created = DeathRecord.objects.get_or_create(
        resident_id=number,
        defaults={"died_on": died_on, "source": source, "imported_at": clock.now()},
    )
    report = DeathReport(record=record, created=created)
    if not created:
        return report
    if role is None:
        role = "system" if actor is None else _role(actor)
    audit.record(
        "death.recorded",
        actor=actor,
        role=role,
        payload={"resident_id_tail": number[-4:], "died_on": died_on.isoformat(), "source": source},
    )
    # A member belongs to one household, so the join yields each case once; locking them
    # keeps a concurrent exit from starting between the check and the start.
    cases = list(
        Case.objects.select_for_update(of=("self",))
        .filter(household__members__resident_id=number, status=CaseStatus.ACTIVE)
        .select_related("region", "household")
        .order_by("pk")
    )
    member = Member.objects.get(resident_id=number) if cases else None
    for case in cases:
        assert member is not None
        if staff is not None:
            access.require_role_in_region(staff, case.region, EXIT_ROLES)
        _apply_death(case, member, record, actor=actor, role=role, report=report)
    return report


def _apply_death(
    case: Case,
    member: Member,
    record: DeathRecord,
    *,
    actor: User | None,
    role: str,
    report: DeathReport,
) -> None:
    effect = death_effect(
        case.assistance_type, _covered_keys(case), _single_key(case), str(member.pk)
    )
    if effect is None:
        return
    details = {"member": member.pk, "died_on": record.died_on.isoformat(), "source": record.source}
    running = (
        ProcessInstance.objects.filter(case=case, status=InstanceStatus.RUNNING)
        .order_by("-pk")
        .first()
    )
    waiting = runtime.waiting_messages(running) if running is not None else []
    if effect == "death" and DEATH_MESSAGE in waiting:
        try:
            runtime.send_message(case.pk, DEATH_MESSAGE, details, actor=actor, role=role)
        except runtime.ProcessFailed:
            # The death is a fact on record whatever the diagram does with it; its exit step
            # rolled back alone, and its incident is written after this action.
            report.held.append(case)
            return
        report.delivered.append(case)
        return
    if running_exit(case) is not None:
        # The exit under way already decides the case; its staff see the death on the record.
        audit.record(
            "death.noted",
            actor=actor,
            role=role,
            region_id=case.region_id,
            case_id=case.pk,
            payload={"effect": effect, "member": member.pk},
        )
        report.noted.append(case)
        return
    _start(case, actor=actor, role=role, reason=effect, details=details, death=record)
    report.started.append(case)


# ---------------------------------------------------------------- outcome


def apply_exit_outcome(case: Case, data: dict[str, Any]) -> list[str]:
    outcome = str(data.get("outcome", ""))
    reason = str(data.get("reason", ""))
    history = list(case.details.get("exits", []))
    entry: dict[str, Any] = {"reason": reason, "outcome": outcome, "on": clock.today().isoformat()}
    fields = ["details"]
    if outcome == "closed":
        case.status = CaseStatus.CLOSED
        case.ended_on = date.fromisoformat(str(data["ended_on"]))
        case.end_reason = reason
        case.outcome_reasons = str(data.get("refusal_reasons", ""))
        entry.update(decided_on=data.get("decided_on"), ended_on=case.ended_on.isoformat())
        if data.get("decided_at_review"):
            entry["decided_at_review"] = True
        if data.get("overpaid_from"):
            # Paid past the month of the death: those months are to be recovered (R10).
            entry.update(died_on=data.get("died_on"), overpaid_from=data["overpaid_from"])
        fields += ["status", "ended_on", "end_reason", "outcome_reasons"]
        offer = _monitor(case, reason, str(data.get("offer_application") or "none"))
        if offer:
            entry["offered_application"] = offer
    elif outcome == "recalculated":
        previous = case.monthly_amount
        case.monthly_amount = Decimal(str(data["new_monthly_amount"]))
        entry.update(
            decided_on=data.get("decided_on"),
            amount_from=data.get("amount_from"),
            previous_amount=str(previous) if previous is not None else None,
            monthly_amount=str(data["new_monthly_amount"]),
        )
        fields.append("monthly_amount")
        # The dead member is no longer paid for in any later calculation.
        Member.objects.filter(pk=data["dead_member"], household=case.household).update(
            covered=False
        )
    elif outcome == "continued":
        entry["result"] = data.get("exit_result")
    else:
        raise ValueError(f"the exit process ended without a known outcome (got {outcome!r})")
    case.details = {**case.details, "exits": [*history, entry]}
    return fields


def _monitor(case: Case, reason: str, offer: str) -> str | None:
    """Push an exited household into low-income monitoring (R11); return the offer made."""
    if reason == "death" and not _has_survivors(case.household):
        return None
    tekun_alive = case.assistance_type == AssistanceType.TEKUN and reason != "death"
    made = offer if tekun_alive and offer in OFFER_REASONS else None
    text = OFFER_REASONS[made] if made else f"exited: {reason}"
    MonitoringEntry.objects.create(
        household=case.household, source_case=case, reason=text, added_on=clock.today()
    )
    audit.record(
        "monitoring.added",
        actor=None,
        role="system",
        region_id=case.region_id,
        case_id=case.pk,
        payload={"reason": text},
    )
    return made


def _has_survivors(household: Household) -> bool:
    ids = list(household.members.values_list("resident_id", flat=True))
    return DeathRecord.objects.filter(resident_id__in=ids).count() < len(ids)


_register()


def seed_demo(users: Mapping[str, User], regions: Mapping[str, Region]) -> None:
    """Two exits under way on active demo cases without another running process."""
    village = regions["431102001001"]
    idle = (
        Case.objects.filter(
            region=village, status=CaseStatus.ACTIVE, assistance_type=AssistanceType.DIBAO
        )
        .exclude(instances__status="running")
        .order_by("pk")
    )
    for case, reason in zip(idle, ("moved_away", "income_above_standard"), strict=False):
        do_start_exit(case, actor=users["clerk"], reason=reason, details={"note": "演示"})
