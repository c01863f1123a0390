"""What policy staff do in the studio: retry an incident."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from assistance import access
from assistance.actions import ActionError
from engine import audit, incidents, runtime
from engine.models import Incident, IncidentKind
from studio.access import require_studio


def get_incident_for_user(user: User, incident_id: int, *, lock: bool = False) -> Incident:
    """Policy staff whose jurisdiction holds the case; to anyone else the incident is missing."""
    require_studio(user)
    incidents = Incident.objects.in_regions(access.jurisdiction_paths(user))
    if lock:
        incidents = incidents.select_for_update(of=("self",))
    incident = incidents.select_related("case").filter(pk=incident_id).first()
    if incident is None:
        raise Http404("No such incident.")
    return incident


@dataclass
class RetryOutcome:
    succeeded: bool
    error: str = ""


@transaction.atomic
def do_retry_incident(incident_id: int, *, actor: User) -> RetryOutcome:
    """Run the held step again, once policy staff have fixed what it failed on.

    A failed time limit fires the instance's due timers again. A failed task completion is
    carried through with the approver's own submission, kept on the incident: the task is
    still open and the approver decided, only the diagram failed after them. Messages are
    not kept, so their sender records them again. A retry that fails again is not refused:
    it counts another attempt on the incident (the engine's step is rolled back, not this).
    """
    incident = get_incident_for_user(actor, incident_id, lock=True)
    if not incident.is_open:
        raise ActionError(_("This incident is already resolved."))
    if incident.kind == IncidentKind.MESSAGE:
        raise ActionError(
            _("A message is not kept when it fails: ask whoever sent it to record it again.")
        )
    if incident.kind == IncidentKind.TASK and incident.submitted_by is None:
        raise ActionError(
            _("The submission that failed was not kept; ask the approver to submit again.")
        )
    audit.record(
        "incident.retried",
        actor=actor,
        role="policy_staff",
        region_id=incident.case.region_id,
        case_id=incident.case_id,
        instance_id=incident.instance_id,
        payload={"incident": incident.pk, "element": incident.element, "kind": incident.kind},
    )
    try:
        _run_again(incident, actor)
    except runtime.ProcessFailed as exc:
        return RetryOutcome(succeeded=False, error=str(exc))
    except runtime.EngineError as exc:
        raise ActionError(str(exc)) from exc
    return RetryOutcome(succeeded=True)


def _run_again(incident: Incident, actor: User) -> None:
    if incident.kind == IncidentKind.TIMER:
        runtime.fire_instance_timers(incident.instance_id, retried_by=actor)
    elif incident.task_id is not None and incident.submitted_by is not None:
        runtime.complete(
            incident.task_id,
            actor=incident.submitted_by,
            data=incident.submitted,
            retried_by=actor,
        )
    # The instance moved on without the step (cancelled, or the timer is gone): the
    # incident holds nothing any more. A no-op when the runtime call resolved it.
    incidents.close_incidents(
        incident.instance, actor=actor, kind=incident.kind, task_id=incident.task_id
    )
