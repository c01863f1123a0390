"""Driving the dibao process the way staff do, through the domain actions."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from assistance import actions
from assistance.ids import make_resident_id
from assistance.models import Case
from engine import runtime
from engine.clock import clock
from engine.models import Task
from tests.fixtures import World
from tests.workflows.evidence import APPLICATION, upload

_counter = itertools.count()


def resident_id(born: date, sex: str = "M") -> str:
    # Two digits of sequence per birth date: move the date along once they run out.
    number = next(_counter)
    return make_resident_id("431101", born + timedelta(days=number // 100), number % 100, sex)  # type: ignore[arg-type]


def apply(
    world: World,
    *,
    wage: str = "900.00",
    members: int = 3,
    minors_only: bool = False,
    hukou: str = "rural",
    scans: bool = False,
) -> Case:
    people = []
    for index in range(members):
        born = date(2015, 5, 1) if minors_only or index > 0 else date(1980, 5, 1)
        incomes = [("wage", Decimal(wage))] if index == 0 and wage else []
        people.append(
            actions.MemberData(
                name=f"成员{index}",
                resident_id=resident_id(born - timedelta(days=index)),
                is_applicant=index == 0,
                incomes=incomes,
            )
        )
    application = actions.ApplicationData(
        region_id=world.village_a1.pk, address="东村1组", hukou=hukou, members=people
    )
    case = actions.do_apply(application, actor=world["clerk"])
    if scans:
        # The clerk scans the documents at the counter, as acceptance requires (R1).
        upload(world, case, *APPLICATION)
    return case


def task(case: Case, spec_name: str) -> Task:
    return Task.objects.get(case=case, spec_name=spec_name)


def open_tasks(case: Case) -> list[str]:
    return sorted(Task.objects.filter(case=case).values_list("spec_name", flat=True))


def complete(world: World, user: str, case: Case, spec_name: str, **data: Any) -> None:
    actions.do_complete_task(task(case, spec_name).pk, actor=world[user], data=data)


def pass_notice(days: int = 8) -> int:
    """Let the public notice run out; how many timers fired."""
    clock.advance(timedelta(days=days))
    return runtime.fire_due_timers()


def deliver_refusal(world: World, case: Case, delivered_on: str = "") -> None:
    """The clerk hands over the written notice (refusal, or exit) in person, by default today."""
    complete(
        world,
        "clerk",
        case,
        "refusal_notice",
        delivered_on=delivered_on or clock.today().isoformat(),
        delivery_method="in_person",
    )


def accept(world: World, case: Case) -> None:
    # The clerk scans the documents before accepting the application as complete.
    upload(world, case, *APPLICATION)
    complete(world, "clerk", case, "acceptance", acceptance_decision="complete")


def check(world: World, case: Case, eligible: bool = True) -> None:
    case.refresh_from_db()
    actions.do_record_check_result(
        case,
        actor=world["checker"],
        eligible=eligible,
        report_no="HD-001",
        reasons="" if eligible else "名下有车辆",
    )


def investigate(world: World, case: Case) -> None:
    today = clock.today().isoformat()
    upload(world, case, "investigation_record", user="investigator")
    complete(
        world,
        "investigator",
        case,
        "investigate",
        visited_on=today,
        findings="家中困难，与申报一致",
        matches_declaration=True,
    )
    complete(world, "investigator2", case, "cosign", cosign_agrees=True)


def to_notice(world: World, case: Case) -> None:
    accept(world, case)
    check(world, case)
    investigate(world, case)
    complete(world, "reviewer", case, "opinion", opinion="approve")
