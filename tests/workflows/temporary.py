"""Driving the temporary-assistance process the way staff do, through the domain actions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from SpiffWorkflow.util.task import TaskState

from assistance import actions
from assistance.models import AssistanceType, Case
from engine import runtime
from engine.models import ProcessInstance
from tests.fixtures import World
from tests.workflows.dibao import check, complete, investigate, resident_id
from tests.workflows.evidence import APPLICATION, upload

PAPERWORK = {
    "application_signed": True,
    "investigation_record_signed": True,
    "receipt_signed": True,
}


def people(count: int = 2) -> list[actions.MemberData]:
    return [
        actions.MemberData(
            name=f"成员{index}",
            resident_id=resident_id(date(1970 + index * 20, 3, 1)),
            is_applicant=index == 0,
            incomes=[("wage", Decimal("500.00"))] if index == 0 else [],
        )
        for index in range(count)
    ]


def application(
    world: World,
    *,
    aid_type: str = "expenditure",
    cause: str = "medical_costs",
    requested: str = "3000.00",
    hukou: str = "rural",
    members: list[actions.MemberData] | None = None,
) -> actions.ApplicationData:
    return actions.ApplicationData(
        region_id=world.village_a1.pk,
        address="东村2组",
        hukou=hukou,
        members=members if members is not None else people(),
        assistance_type=AssistanceType.TEMPORARY,
        details={"aid_type": aid_type, "cause": cause, "requested_amount": requested},
    )


def apply(world: World, *, scans: bool = True, **kwargs: Any) -> Case:
    case = actions.do_apply(application(world, **kwargs), actor=world["clerk"])
    if scans:
        upload(world, case, *APPLICATION)
    return case


def data(case: Case) -> dict[str, Any]:
    return runtime.instance_data(ProcessInstance.objects.get(case=case))


def ready_data(case: Case, spec_name: str) -> dict[str, Any]:
    """The data a ready task carries (the engine's instance_data can lag behind after an
    interrupting boundary event: it shows the task that changed last, the boundary join)."""
    workflow = runtime._load(ProcessInstance.objects.get(case=case))
    [ready] = [
        t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.name == spec_name
    ]
    return dict(ready.data)


def accept(world: World, case: Case, decision: str = "complete") -> None:
    spec = "emergency_acceptance" if case.details["aid_type"] == "emergency" else "acceptance"
    extra = {"urgency_note": "房屋失火，无处居住"} if decision == "aid_first" else {}
    complete(world, "clerk", case, spec, acceptance_decision=decision, **extra)


def to_assessment(world: World, case: Case) -> None:
    accept(world, case)
    check(world, case)
    investigate(world, case)


def assess(world: World, case: Case, amount: str) -> None:
    complete(
        world,
        "reviewer",
        case,
        "assessment",
        assessment="approve",
        assessed_amount=amount,
        assessment_basis="自付医疗费用较大，家庭难以承受",
    )


def pay_first(world: World, case: Case, amount: str = "1500.00") -> None:
    """An emergency accepted for aid first, and the reserve-fund payment recorded."""
    accept(world, case, "aid_first")
    complete(
        world,
        "clerk",
        case,
        "immediate_aid",
        paid_amount=amount,
        payee="成员0",
        payment_method="cash",
    )
