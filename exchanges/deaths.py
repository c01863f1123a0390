"""Death records from the civil registry and hospitals: the one path every death takes.

The civil registry's system (API), a county approver's file import and the operator's
`import_deaths` command all call `receive_death_record`, which records the death once
through `assistance.processes.exit.do_report_death` (stopping or recalculating the cases it
concerns). A death already on record with the same date is a duplicate that changes
nothing; another date is refused and the first kept.

Scope: the command (no actor) covers everyone, and records the deaths of people Doudi does
not know yet. A system account covers its region; a person registered only outside it is
refused. A staff import covers the importer's jurisdiction: a person registered elsewhere,
in a household they are recused from, or not registered at all, is refused with the same
words, so the file tells them nothing about anyone outside it.
"""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from assistance import access as case_access
from assistance.actions import ActionError
from assistance.ids import InvalidResidentId, parse_resident_id
from assistance.models import Case, CaseStatus, Member
from assistance.policy import PolicyError
from assistance.processes.exit import DeathReport, do_report_death
from engine.clock import clock
from engine.incidents import atomic_with_incidents
from engine.runtime import EngineError
from exchanges import access
from exchanges.outcomes import DUPLICATE, NOT_IN_SCOPE, RECORDED, Outcome, rejected


@atomic_with_incidents
def receive_death_record(
    resident_id: str,
    died_on: date,
    source: str,
    *,
    actor: User | None,
    system: access.System | None = None,
) -> Outcome:
    """Record one death; the outcome's `extra` is the exit module's DeathReport when recorded."""
    try:
        number = parse_resident_id(resident_id, today=clock.today()).number
    except InvalidResidentId as exc:
        return rejected(exc, resident_id[:18])
    if actor is not None and system is None:
        access.require_acting(actor, access.DEATHS_ROLE)
    if not _in_scope(number, actor=actor, system=system):
        return rejected(NOT_IN_SCOPE, number)
    role = None if actor is None else (system.role if system else access.DEATHS_ROLE)
    try:
        report = do_report_death(number, died_on, actor=actor, source=source, role=role)
    except (ActionError, PolicyError, EngineError, PermissionDenied) as exc:
        return rejected(exc, number)
    return _outcome(report, died_on, number)


def _outcome(report: DeathReport, died_on: date, number: str) -> Outcome:
    if report.created:
        return Outcome(RECORDED, "", number, extra=report)
    if report.record.died_on != died_on:
        return rejected(
            _("already recorded with another date of death (%(day)s); not changed")
            % {"day": report.record.died_on.isoformat()},
            number,
        )
    return Outcome(DUPLICATE, "", number, extra=report)


def _in_scope(number: str, *, actor: User | None, system: access.System | None) -> bool:
    if actor is None:
        return True
    homes = list(
        Member.objects.filter(resident_id=number).values_list("household__region__path", "pk")
    )
    cases = Case.objects.filter(household__members__resident_id=number, status=CaseStatus.ACTIVE)
    if system is not None:
        paths = [system.region.path]
    else:
        paths = case_access.jurisdiction_paths(actor)
        # Staff learn nothing of people outside their jurisdiction, nor of a family they are
        # recused from (R7).
        if not homes or cases.filter(recusals__user=actor.pk).exists():
            return False
    inside = all(any(path.startswith(p) for p in paths) for path, _pk in homes)
    case_paths = cases.values_list("region__path", flat=True)
    return inside and all(any(path.startswith(p) for p in paths) for path in case_paths)
