"""Incidents: a diagram step that failed, held for policy staff to fix and retry.

The runtime calls `open_incident` after the failed call's transaction has rolled back, in a
transaction of its own, so the case keeps its state from before the failure and the incident
survives the failure that raised it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from engine import audit
from engine.clock import clock
from engine.models import Incident, IncidentKind, ProcessInstance


@dataclass
class Failure:
    """What the runtime knows of a failed call, carried on ProcessFailed to be recorded."""

    instance_id: int
    case_id: int
    kind: str
    element: str
    element_title: str
    error: str
    task_id: int | None = None
    submitted_by: User | None = None
    submitted: Mapping[str, Any] = field(default_factory=dict)


@transaction.atomic
def open_incident(failure: Failure) -> Incident:
    """One open incident per instance and element: a repeat failure counts another attempt."""
    now = clock.now()
    # The instance row serialises two failures of the same element racing to open it.
    region_id = (
        ProcessInstance.objects.select_for_update()
        .values_list("region_id", flat=True)
        .get(pk=failure.instance_id)
    )
    incident = (
        Incident.objects.open()
        .filter(instance_id=failure.instance_id, element=failure.element)
        .first()
    )
    if incident is None:
        incident = Incident(
            instance_id=failure.instance_id,
            case_id=failure.case_id,
            kind=failure.kind,
            element=failure.element[:255],
            created_at=now,
            attempts=0,
        )
    incident.element_title = failure.element_title[:255]
    incident.error = failure.error
    incident.attempts += 1
    incident.last_failed_at = now
    if failure.kind == IncidentKind.TASK:
        incident.task_id = failure.task_id
        incident.submitted_by = failure.submitted_by
        incident.submitted = dict(failure.submitted)
    incident.save()
    audit.record(
        "incident.raised",
        actor=None,
        role="system",
        region_id=region_id,
        case_id=failure.case_id,
        instance_id=failure.instance_id,
        payload={
            "incident": incident.pk,
            "element": incident.element,
            "title": incident.element_title,
            "error": incident.error,
            "attempts": incident.attempts,
            "submitted_by": failure.submitted_by.pk if failure.submitted_by else None,
        },
    )
    return incident


def close_incidents(
    instance: ProcessInstance, *, actor: User | None, kind: str, task_id: int | None = None
) -> None:
    """The step went through: the open incidents it was held by are resolved.

    Runs inside the successful call's transaction, so a resolution is never recorded for a
    change that was rolled back.
    """
    held = Incident.objects.open().filter(instance=instance, kind=kind)
    if task_id is not None:
        held = held.filter(task_id=task_id)
    now = clock.now()
    for incident in held.select_for_update():
        incident.resolved_at = now
        incident.resolved_by = actor
        incident.save(update_fields=["resolved_at", "resolved_by"])
        audit.record(
            "incident.resolved",
            actor=actor,
            role="system" if actor is None else "",
            region_id=instance.region_id,
            case_id=instance.case_id,
            instance_id=instance.pk,
            payload={"incident": incident.pk, "element": incident.element},
        )


def open_for_case(case_id: int) -> bool:
    return Incident.objects.open().filter(case_id=case_id).exists()
