"""What policy staff do in the studio: retry an incident; propose, approve, send back or
withdraw a change of policy parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from assistance import access
from assistance.actions import ActionError
from assistance.models import Region, RegionPolicy
from assistance.policy import PolicyError
from engine import audit, incidents, runtime
from engine.clock import clock
from engine.models import Incident, IncidentKind
from studio import parameters
from studio.access import require_studio
from studio.models import PolicyChange, PolicyChangeStatus


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


# ---------------------------------------------------------------- policy parameters (four eyes)


def _change_payload(change: PolicyChange, valid: parameters.ValidChange) -> dict[str, Any]:
    return {
        "change": change.pk,
        "region": change.region.code,
        "region_name": change.region.name,
        "effective_from": change.effective_from.isoformat(),
        "values": valid.values,
        "previous": valid.previous,
        "lowers_standard": change.lowers_standard,
        "override_reason": change.override_reason,
    }


@transaction.atomic
def do_propose_policy_change(
    region_id: int,
    values: Mapping[str, Any],
    effective_from: date,
    note: str,
    *,
    actor: User,
    lowers_standard: bool = False,
    override_reason: str = "",
) -> PolicyChange:
    """Propose new parameter values for a region from a day on, for another policy staff
    member to approve. Refused with ChangeInvalid (messages per parameter) by the checks of
    parameters.validate_change."""
    region = parameters.get_region_by_id_for_user(actor, region_id)
    note = note.strip()
    valid = parameters.validate_change(
        region,
        effective_from,
        values,
        lowers_standard=lowers_standard,
        override_reason=override_reason,
        today=clock.today(),
    )
    if not note:
        raise parameters.ChangeInvalid(
            {"note": [_("Say why the parameters change: the reviewer reads it.")]}
        )
    change = PolicyChange.objects.create(
        region=region,
        effective_from=effective_from,
        values=valid.values,
        previous=valid.previous,
        lowers_standard=lowers_standard,
        override_reason=override_reason.strip() if lowers_standard else "",
        note=note,
        author=actor,
        created_at=clock.now(),
    )
    audit.record(
        "policy.proposed",
        actor=actor,
        role="policy_staff",
        region_id=region.pk,
        payload={**_change_payload(change, valid), "note": note},
    )
    return change


def _waiting(change: PolicyChange) -> None:
    if change.status != PolicyChangeStatus.SUBMITTED:
        raise ActionError(
            _("This change is no longer waiting for review (%(status)s).")
            % {"status": change.get_status_display()}
        )


@transaction.atomic
def do_approve_policy_change(change_id: int, *, actor: User, note: str = "") -> PolicyChange:
    """Approve another's change: its values go into the region's policy record for its day
    (created, or added to the one already there). Checked again first, against the policy
    as it stands now; a day that has passed meanwhile is refused (send it back)."""
    change = parameters.get_policy_change_for_user(actor, change_id, lock=True)
    _waiting(change)
    if change.author_id == actor.pk:
        raise ActionError(
            _(
                "You proposed this change, so you cannot approve it: another policy staff "
                "member must (four eyes)."
            )
        )
    # One approval at a time per region, so two changes for the same day merge, not collide.
    region = Region.objects.select_for_update().get(pk=change.region_id)
    try:
        valid = parameters.validate_change(
            region,
            change.effective_from,
            change.values,
            lowers_standard=change.lowers_standard,
            override_reason=change.override_reason,
            today=clock.today(),
        )
    except parameters.ChangeInvalid as exc:
        problems = "; ".join(m for messages in exc.errors.values() for m in messages)
        raise ActionError(
            _(
                "This change cannot be approved as it stands: %(problems)s "
                "Send it back so its author can propose it again."
            )
            % {"problems": problems}
        ) from exc
    record = (
        RegionPolicy.objects.select_for_update()
        .filter(region=region, effective_from=change.effective_from)
        .first()
    )
    if record is None:
        record = RegionPolicy(region=region, effective_from=change.effective_from, values={})
    record.values = {**record.values, **valid.values}
    if change.lowers_standard:
        # A record for the day may already lower a standard for its own reason: keep both.
        reasons = [r for r in (record.override_reason, change.override_reason) if r]
        record.override_reason = "; ".join(dict.fromkeys(reasons))[:200]
        record.lowers_standard = True
    try:
        record.save()
    except PolicyError as exc:
        raise ActionError(str(exc)) from exc
    change.status = PolicyChangeStatus.APPROVED
    change.reviewer = actor
    change.reviewed_at = clock.now()
    change.review_note = note.strip()
    change.previous = valid.previous
    change.policy = record
    change.save()
    audit.record(
        "policy.approved",
        actor=actor,
        role="policy_staff",
        region_id=region.pk,
        payload={
            **_change_payload(change, valid),
            "policy": record.pk,
            "author": change.author.get_username(),
            "author_name": parameters.person(change.author),
            "reviewer": actor.get_username(),
            "reviewer_name": parameters.person(actor),
            "review_note": change.review_note,
        },
    )
    return change


@transaction.atomic
def do_return_policy_change(change_id: int, note: str, *, actor: User) -> PolicyChange:
    """Send another's change back with a note; its author may propose it again."""
    change = parameters.get_policy_change_for_user(actor, change_id, lock=True)
    _waiting(change)
    if change.author_id == actor.pk:
        raise ActionError(_("This is your own change: withdraw it instead."))
    note = note.strip()
    if not note:
        raise ActionError(_("Say why the change goes back: its author reads it."))
    change.status = PolicyChangeStatus.RETURNED
    change.reviewer = actor
    change.reviewed_at = clock.now()
    change.review_note = note
    change.save(update_fields=["status", "reviewer", "reviewed_at", "review_note"])
    audit.record(
        "policy.returned",
        actor=actor,
        role="policy_staff",
        region_id=change.region_id,
        payload={
            "change": change.pk,
            "region": change.region.code,
            "author": change.author.get_username(),
            "reviewer": actor.get_username(),
            "note": note,
        },
    )
    return change


@transaction.atomic
def do_withdraw_policy_change(change_id: int, *, actor: User) -> PolicyChange:
    """The author takes back a change still waiting for review."""
    change = parameters.get_policy_change_for_user(actor, change_id, lock=True)
    _waiting(change)
    if change.author_id != actor.pk:
        raise ActionError(_("Only the author withdraws a change; send it back instead."))
    change.status = PolicyChangeStatus.WITHDRAWN
    change.save(update_fields=["status"])
    audit.record(
        "policy.withdrawn",
        actor=actor,
        role="policy_staff",
        region_id=change.region_id,
        payload={"change": change.pk, "region": change.region.code},
    )
    return change
