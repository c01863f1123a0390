"""Outbound events, recorded inside the engine's transaction.

The hook is the engine's `instance_changed` signal, the one place every process change passes
through with the process's data: a process that ends with `outcome` "approved" confirms its
case, "refused" refuses it, "closed" on a benefit case ends it (exit, a support ending at 18,
the elderly allowance's yearly check); a referral (workflows/referral.bpmn) is sent once its
data carries `sent_on`. The case's own receiver (assistance.projections, connected first:
assistance comes before outbound in INSTALLED_APPS) has already written the case's status and
dates, which are read from the case. Deliveries are written in the same transaction and only
queued once it commits, so a rolled-back step tells no one.

What an event says is the minimum a department needs (PIPL): the case number, the kind, the
region code and the decision with its dates. No name, resident ID, address, income or reason
text: a refusal's reasons or an exit's facts describe a household. A referral is the
exception, because it exists to have that department help that person: it carries what the
person asked and how to reach them (name, phone, the need, the clerk's note), and it is
delivered only to the subscription of the department it was sent to.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from assistance.models import ONE_WINDOW_TYPES, Case, CaseStatus
from engine.clock import clock
from engine.models import ProcessInstance
from outbound.models import Delivery, Event, EventType, Subscription

DECISIONS = {
    "approved": EventType.CASE_CONFIRMED,
    "refused": EventType.CASE_REFUSED,
    "closed": EventType.CASE_EXITED,
}


def on_instance_changed(
    sender: Any, *, instance: ProcessInstance, data: dict[str, Any], completed: bool, **kwargs: Any
) -> None:
    if completed:
        event_type = DECISIONS.get(str(data.get("outcome", "")))
        if event_type is not None:
            _case_decided(instance, data, event_type)
        return
    # Nothing else is asked of the database on an ordinary step.
    if "sent_on" in data and "department" in data and isinstance(data.get("request"), dict):
        _referral_sent(instance, data)


def _case_decided(instance: ProcessInstance, data: dict[str, Any], event_type: str) -> None:
    case = Case.objects.select_related("region").get(pk=instance.case_id)
    if event_type == EventType.CASE_EXITED and (
        case.assistance_type in ONE_WINDOW_TYPES
        or case.status != CaseStatus.CLOSED
        or case.ended_on is None
    ):
        return
    # The process's own decision day: an exit's, not the application's still on the case.
    decided_on = str(data.get("decided_on") or _iso(case.decided_on) or clock.today())[:10]
    payload: dict[str, Any] = {**_case_facts(case), "decided_on": decided_on}
    if event_type == EventType.CASE_CONFIRMED:
        payload["start_month"] = _iso(case.start_month)
    if event_type == EventType.CASE_EXITED:
        payload.update(ended_on=_iso(case.ended_on), end_reason=case.end_reason)
    record(event_type, case, instance, payload)


def _referral_sent(instance: ProcessInstance, data: dict[str, Any]) -> None:
    if Event.objects.filter(instance=instance, type=EventType.REFERRAL_SENT).exists():
        return
    case = Case.objects.select_related("region").get(pk=instance.case_id)
    request = data["request"]
    payload = {
        **_case_facts(case),
        "department": str(data["department"]),
        "sent_on": str(data["sent_on"])[:10],
        "reply_due": str(data.get("reply_due", ""))[:10] or None,
        "referral": {
            "request_number": str(request.get("number", "")),
            "need": str(request.get("need", "")),
            "note": str(data.get("referral_note", "")),
            "name": str(request.get("name", "")),
            "phone": str(request.get("phone", "")),
        },
    }
    record(EventType.REFERRAL_SENT, case, instance, payload, department=payload["department"])


def _case_facts(case: Case) -> dict[str, Any]:
    return {
        "case_number": case.number,
        "kind": case.assistance_type,
        "region_code": case.region.code,
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def record(
    event_type: str,
    case: Case,
    instance: ProcessInstance | None,
    payload: dict[str, Any],
    *,
    department: str = "",
) -> Event:
    """The event and one delivery per subscription that wants it, queued on commit."""
    event = Event.objects.create(
        type=event_type, case=case, instance=instance, region=case.region, payload=payload
    )
    subscriptions = Subscription.objects.filter(
        active=True, region_id__in=case.region.ancestor_ids()
    )
    wanted = [s for s in subscriptions if s.wants(event_type, department)]
    if wanted:
        deliveries = Delivery.objects.bulk_create(
            # Due now: should the message queued on commit be lost, the sweep sends it.
            [
                Delivery(event=event, subscription=s, next_attempt_at=event.occurred_at)
                for s in wanted
            ]
        )
        queue_first_attempts([delivery.pk for delivery in deliveries])
    return event


def queue_first_attempts(delivery_ids: list[int]) -> None:
    from outbound.tasks import deliver

    def send() -> None:
        for delivery_id in delivery_ids:
            deliver.delay(delivery_id, 1)

    # robust: with eager Celery (the embedded default) a failure is logged, not raised into
    # the request whose step already committed.
    transaction.on_commit(send, robust=True)
