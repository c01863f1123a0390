"""Changes a household reports on an active case (domain.md: "Changes in members, income or
property must be reported"), and the process each one calls for.

- income or members → a review now, not at the next due date: the check centre checks again,
  a changed household is investigated again and the amount recalculated (process "review");
- care needs of an extreme-poverty supported person → the re-assessment of self-care
  (process "tekun_reassessment", within its statutory working days);
- a death → recorded once, then the exit (reason death) or, for a dibao household that
  keeps other covered members, the recalculation (process "exit").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.http import Http404
from django.utils.translation import gettext as _

from assistance import access
from assistance.actions import ActionError
from assistance.kinds import tekun
from assistance.models import AssistanceType, Case, CaseStatus, Member
from assistance.processes import exit as exits
from assistance.processes import review
from engine import audit, runtime
from engine.clock import clock
from engine.incidents import atomic_with_incidents
from engine.models import InstanceStatus, ProcessInstance

INCOME = "income"
MEMBERS = "members"
CARE = "care"
DEATH = "death"

# Who takes each report: households tell the village or township clerk; a change in care
# needs may also come from the investigator who visits; a death ends or changes the benefit,
# which only township staff who may start an exit do.
ROLES_BY_CHANGE: dict[str, set[str]] = {
    INCOME: {"township_clerk", "village_clerk"},
    MEMBERS: {"township_clerk", "village_clerk"},
    CARE: set(tekun.REPORT_ROLES),
    DEATH: set(exits.EXIT_ROLES),
}

# The changes that matter to each kind: income and members to the means-tested kinds, care
# needs to extreme-poverty support, a death to every kind.
CHANGES_BY_KIND: dict[str, tuple[str, ...]] = {
    AssistanceType.DIBAO: (INCOME, MEMBERS, DEATH),
    AssistanceType.TEKUN: (INCOME, CARE, DEATH),
}
DEFAULT_CHANGES: tuple[str, ...] = (DEATH,)


def kind_changes(case: Case) -> tuple[str, ...]:
    return CHANGES_BY_KIND.get(case.assistance_type, DEFAULT_CHANGES)


def reporting_roles(case: Case) -> set[str]:
    """Roles that take some report on a case of this kind."""
    return set().union(*(ROLES_BY_CHANGE[change] for change in kind_changes(case)))


def changes_for(case: Case) -> tuple[str, ...]:
    """The changes that can be reported on the case now: only an active case has benefits."""
    return kind_changes(case) if case.status == CaseStatus.ACTIVE else ()


def changes_for_user(user: User, case: Case, *, busy: bool = False) -> list[str]:
    """The changes this user may report on this case (for the form's choices).

    `busy`: a process already runs on the case; only a death can be taken then (the running
    exit takes it, or an exit starts beside the other process).
    """
    roles = set(access.acting_roles(user))
    return [
        change
        for change in changes_for(case)
        if roles & ROLES_BY_CHANGE[change] and (change == DEATH or not busy)
    ]


@dataclass(frozen=True)
class ReportedChange:
    change: str
    # What the report set going: "review", "reassessment", "exit", "recalculation";
    # "noted" when an exit already under way decides the case; "held" when that exit failed
    # on the death (an incident keeps it for policy staff); "recorded" when the person who
    # died is not whom the case pays for.
    effect: str
    instance: ProcessInstance | None


@atomic_with_incidents
def do_report_change(
    case: Case,
    *,
    actor: User,
    change: str,
    note: str,
    member: Member | None = None,
    died_on: date | None = None,
) -> ReportedChange:
    """Record a reported change and start the process it calls for."""
    if change not in ROLES_BY_CHANGE:
        raise ActionError(_("Choose what changed."), case=case)
    access.require_role_in_region(actor, case.region, ROLES_BY_CHANGE[change])
    if case.recusals.filter(user=actor).exists():
        raise Http404("No such case.")
    case = Case.objects.select_for_update().select_related("region", "household").get(pk=case.pk)
    if change not in changes_for(case):
        raise ActionError(_("This change cannot be reported on this case."), case=case)
    note = note.strip()
    if len(note) < 2:
        raise ActionError(_("Describe the change and who reported it."), case=case)
    if change == CARE:
        instance = tekun.do_report_care_change(case, actor=actor, note=note)
        return ReportedChange(change, "reassessment", instance)
    if change == DEATH:
        return _report_death(case, actor=actor, note=note, member=member, died_on=died_on)
    return ReportedChange(change, "review", _start_review(case, actor, change, note))


def _start_review(case: Case, actor: User, change: str, note: str) -> ProcessInstance:
    # Messages (the check centre's report) go to a case's one running instance.
    if ProcessInstance.objects.filter(case=case, status=InstanceStatus.RUNNING).exists():
        raise ActionError(_("This case already has a process under way."), case=case)
    role = next(r for r in access.acting_roles(actor) if r in ROLES_BY_CHANGE[change])
    today = clock.today()
    audit.record(
        "case.change_reported",
        actor=actor,
        role=role,
        region_id=case.region_id,
        case_id=case.pk,
        payload={"change": change, "note": note},
    )
    data = {
        **review.review_data(case, today),
        "reported_change": {"change": change, "note": note, "reported_on": today.isoformat()},
    }
    return runtime.start(
        review.PROCESS_KEY,
        case_id=case.pk,
        region_id=case.region_id,
        actor=actor,
        role=role,
        data=data,
    )


def _report_death(
    case: Case, *, actor: User, note: str, member: Member | None, died_on: date | None
) -> ReportedChange:
    if member is None or member.household_id != case.household_id:
        raise ActionError(_("Choose the member of the household who died."), case=case)
    if died_on is None:
        raise ActionError(_("Give the date of death."), case=case)
    report = exits.do_report_death(member.resident_id, died_on, actor=actor, source=note[:100])
    if not report.created:
        raise ActionError(_("This death is already on record."), case=case)
    if case in report.started:
        instance = exits.running_exit(case)
        recalculated = (
            instance is not None
            and runtime.instance_data(instance).get("reason") == exits.MEMBER_DIED
        )
        return ReportedChange(DEATH, "recalculation" if recalculated else "exit", instance)
    if case in report.held:
        return ReportedChange(DEATH, "held", exits.running_exit(case))
    if case in report.delivered or case in report.noted:
        return ReportedChange(DEATH, "noted", exits.running_exit(case))
    # Recorded, but the benefit of this case is not for the person who died.
    return ReportedChange(DEATH, "recorded", None)
