"""Keeps each Case in step with its process, inside the engine's transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from assistance.models import Case, CaseStatus, MonitoringEntry
from engine import audit, runtime
from engine.clock import clock
from engine.models import InstanceStatus, ProcessInstance

OUTCOME_STATUS = {
    "approved": CaseStatus.ACTIVE,
    "refused": CaseStatus.REFUSED,
    "withdrawn": CaseStatus.WITHDRAWN,
    "closed": CaseStatus.CLOSED,
}


# How a finished process changes its case: the application processes share the default;
# processes that run on an active case (exit, review) register their own.
OutcomeHandler = Callable[[Case, dict[str, Any]], list[str]]
OUTCOME_HANDLERS: dict[str, OutcomeHandler] = {}


def register_outcome_handler(process_key: str, handler: OutcomeHandler) -> None:
    OUTCOME_HANDLERS[process_key] = handler


def on_instance_changed(
    sender: Any,
    *,
    instance: ProcessInstance,
    data: dict[str, Any],
    completed: bool,
    task_titles: list[str],
    **kwargs: Any,
) -> None:
    if not completed:
        previous = kwargs.get("previous_tasks")
        if (
            task_titles
            and previous is not None
            and sorted(previous) == sorted((instance.projected or {}).get("tasks") or [])
        ):
            return  # the same tasks wait as before this change: the stage they name stands
        stage = ("、".join(task_titles) or str(data.get("stage", "")))[:100]
        # The engine holds the instance lock, which already serialises changes to this case.
        Case.objects.filter(pk=instance.case_id).update(stage=stage)
        return
    case = Case.objects.get(pk=instance.case_id)
    key = runtime.definition_key(instance.definition_id)
    handler = OUTCOME_HANDLERS.get(key, apply_application_outcome)
    fields = handler(case, data)
    # A handler may start the case's next process (a yearly check, say): its stage stands.
    if not case.instances.filter(status=InstanceStatus.RUNNING).exclude(pk=instance.pk).exists():
        case.stage = ""
        fields = ["stage", *fields]
    case.save(update_fields=fields)
    audit.record(
        "case.decided",
        actor=None,
        role="system",
        region_id=case.region_id,
        case_id=case.pk,
        instance_id=instance.pk,
        payload={
            "status": case.status,
            "monthly_amount": str(case.monthly_amount) if case.monthly_amount is not None else None,
            "start_month": case.start_month.isoformat() if case.start_month else None,
            "reasons": case.outcome_reasons,
            "process": key,
            "outcome": data.get("outcome"),
        },
    )


def apply_application_outcome(case: Case, data: dict[str, Any]) -> list[str]:
    outcome = str(data.get("outcome", ""))
    if outcome not in OUTCOME_STATUS:
        raise ValueError(f"the process ended without a known outcome (got {outcome!r})")
    case.status = OUTCOME_STATUS[outcome]
    case.decided_on = (
        date.fromisoformat(str(data["decided_on"])) if data.get("decided_on") else None
    )
    case.outcome_reasons = str(data.get("refusal_reasons", ""))
    fields = ["status", "decided_on", "outcome_reasons"]
    if outcome == "refused":
        # R11: a refused household is watched as low-income, so help can reach it later.
        MonitoringEntry.objects.get_or_create(
            household_id=case.household_id,
            source_case=case,
            defaults={
                "reason": f"refused: {case.outcome_reasons}"[:200],
                "added_on": case.decided_on or clock.today(),
            },
        )
    if outcome == "approved":
        amount = data.get("amount") or {}
        case.monthly_amount = Decimal(str(amount["monthly_amount"]))
        case.start_month = date.fromisoformat(str(data["start_month"]))
        fields += ["monthly_amount", "start_month"]
    return fields
