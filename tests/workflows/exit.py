"""Driving the exit process the way staff do: active cases to end, and each step of the exit."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from assistance.models import Case, CaseStatus, Household, Member
from assistance.processes.exit import do_start_exit
from engine import runtime
from engine.clock import clock
from engine.models import ProcessInstance
from tests.fixtures import World, deploy_only
from tests.workflows.dibao import apply, complete, deliver_refusal, resident_id, to_notice


def deploy_processes(world: World, *names: str) -> None:
    """Deploy only the named processes (and what they call)."""
    deploy_only(*names, actor=world["policy"])


def active_dibao(world: World, *, wage: str = "900.00", members: int = 3) -> Case:
    """A dibao case approved through its own process (rural standard 600)."""
    case = apply(world, wage=wage, members=members)
    to_notice(world, case)
    clock.advance(timedelta(days=8))
    runtime.fire_due_timers()
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACTIVE
    return case


def active_case(
    world: World,
    kind: str,
    *,
    amount: str = "500.00",
    born: date = date(1950, 5, 1),
    members: int = 1,
    details: dict[str, Any] | None = None,
) -> Case:
    """An active case of any kind, as if approved earlier; the first member is the subject."""
    household = Household.objects.create(region=world.village_a1, address="东村2组", hukou="rural")
    people = [
        Member.objects.create(
            household=household,
            name=f"对象{index}",
            resident_id=resident_id(born - timedelta(days=index)),
            birth_date=born - timedelta(days=index),
            sex="M",
            is_applicant=index == 0,
            covered=index == 0,
        )
        for index in range(members)
    ]
    case = Case.objects.create(
        number=f"{kind.upper()}-{household.pk}",
        assistance_type=kind,
        household=household,
        region=world.village_a1,
        single_person=people[0] if members > 1 else None,
        status=CaseStatus.ACTIVE,
        monthly_amount=Decimal(amount),
        start_month=date(2025, 1, 1),
        decided_on=date(2024, 12, 20),
        details=details or {},
    )
    return case


def start_exit(world: World, case: Case, reason: str, user: str = "clerk", **details: Any) -> None:
    case.refresh_from_db()
    do_start_exit(case, actor=world[user], reason=reason, details=details)


def investigate_exit(
    world: World, case: Case, *, confirmed: bool = True, offer: str | None = None
) -> None:
    data: dict[str, Any] = {
        "visited_on": clock.today().isoformat(),
        "findings": "经入户核实，情况属实" if confirmed else "经入户核实，情况不属实",
        "reason_confirmed": confirmed,
    }
    if offer is not None:
        data["offer_application"] = offer
    complete(world, "investigator", case, "investigate_exit", **data)


def approve_exit(world: World, case: Case) -> None:
    complete(world, "approver", case, "county_approval", decision="approve")


def deliver_notice(world: World, case: Case) -> None:
    """The written notice of the exit, on the process's refusal_notice task."""
    deliver_refusal(world, case)


def exit_instance(case: Case) -> ProcessInstance:
    return ProcessInstance.objects.filter(case=case, definition__key="exit").latest("pk")


def exit_data(case: Case) -> dict[str, Any]:
    return runtime.instance_data(exit_instance(case))
