"""Incidents: a diagram step that failed, held for policy staff to fix and retry.

The runtime calls `open_incident` after the failed call's transaction has rolled back, in a
transaction of its own, so the case keeps its state from before the failure and the incident
survives the failure that raised it.

A domain action that runs a diagram step among writes of its own (a check result, an
objection, a death record) is `atomic_with_incidents` instead of `transaction.atomic`: a step
failing inside it rolls the whole action back, and its incident is written once the action's
transaction has ended, so nothing is half-written and the failure is still on record.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, Protocol, TypeVar

from django.contrib.auth.models import User
from django.db import transaction

from engine import audit
from engine.clock import clock
from engine.models import Incident, IncidentKind, InstanceStatus, ProcessInstance


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
    # A failed message: its name and the role its sender acted in (the payload is `submitted`).
    message: str = ""
    role: str = ""


class Raised(Protocol):
    """The runtime's ProcessFailed as seen from here: what failed, and its incident once open."""

    failure: Failure | None
    incident: Incident | None


# The failures met inside the outermost `atomic_with_incidents` action under way, if any.
_held: ContextVar[list[Raised] | None] = ContextVar("doudi_incidents_held", default=None)

P = ParamSpec("P")
R = TypeVar("R")


def atomic_with_incidents(action: Callable[P, R]) -> Callable[P, R]:
    """`transaction.atomic` for an action whose diagram step may fail after other writes.

    The runtime leaves the incident of a failure met inside such an action to it (`defer`):
    the action's transaction rolls back (or, if the action caught the failure, commits), then
    each incident is opened in a transaction of its own and set on its exception. Nested
    actions leave their failures to the outermost one.
    """

    @functools.wraps(action)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if _held.get() is not None:
            with transaction.atomic():
                return action(*args, **kwargs)
        held: list[Raised] = []
        token = _held.set(held)
        try:
            with transaction.atomic():
                return action(*args, **kwargs)
        finally:
            _held.reset(token)
            for raised in held:
                if raised.failure is not None:
                    raised.incident = open_incident(raised.failure)

    return wrapper


def defer(raised: Raised) -> bool:
    """Leave the failure to the action under way, if one records them; else False."""
    held = _held.get()
    if held is None:
        return False
    held.append(raised)
    return True


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
    # Only the kind that opened it keeps what to retry with (one incident per element).
    if failure.kind == incident.kind == IncidentKind.TASK:
        incident.task_id = failure.task_id
        incident.submitted_by = failure.submitted_by
        incident.submitted = dict(failure.submitted)
    if failure.kind == incident.kind == IncidentKind.MESSAGE:
        incident.message = failure.message[:255]
        incident.submitted_by = failure.submitted_by
        incident.submitted_role = failure.role[:50]
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
            **({"message": failure.message} if failure.message else {}),
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


def held_message(case_id: int, instance_id: int | None = None) -> Incident | None:
    """The open incident keeping a message that failed in a running process of the case (or
    in the one instance given), if any: it takes no other message until it is retried."""
    held = Incident.objects.open().filter(
        case_id=case_id, kind=IncidentKind.MESSAGE, instance__status=InstanceStatus.RUNNING
    )
    if instance_id is not None:
        held = held.filter(instance_id=instance_id)
    return held.exclude(message="").select_related("submitted_by").order_by("pk").first()
