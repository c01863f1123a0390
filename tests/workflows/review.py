"""Driving the review process the way staff do: active cases, the check centre, the reviewers."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from assistance.ids import parse_resident_id
from assistance.models import Case, CaseStatus, Household, IncomeItem, Member, Region
from assistance.processes import review
from engine import runtime
from engine.clock import clock
from engine.models import ProcessInstance
from tests.fixtures import World, deploy_only
from tests.workflows.dibao import complete, investigate, resident_id

_numbers = itertools.count(1)


def active_case(
    world: World,
    *,
    wage: str = "900.00",
    members: int = 3,
    hukou: str = "rural",
    amount: str = "900.00",
    kind: str = "dibao",
    review_class: str = "",
    due_today: bool = False,
    village: Region | None = None,
) -> Case:
    """A case approved a year ago, as the dibao process leaves it (without running it)."""
    village = village or world.village_a1
    household = Household.objects.create(region=village, address="东村2组", hukou=hukou)
    for index in range(members):
        parsed = parse_resident_id(
            resident_id(date(1980, 5, 1) - timedelta(days=index)), today=clock.today()
        )
        member = Member.objects.create(
            household=household,
            name=f"复核成员{index}",
            resident_id=parsed.number,
            birth_date=parsed.birth_date,
            sex=parsed.sex,
            relation="self" if index == 0 else "family",
            is_applicant=index == 0,
        )
        if index == 0 and wage:
            IncomeItem.objects.create(member=member, kind="wage", monthly_amount=Decimal(wage))
    return Case.objects.create(
        number=f"FH-TEST-{next(_numbers)}",
        assistance_type=kind,
        household=household,
        region=village,
        status=CaseStatus.ACTIVE,
        monthly_amount=Decimal(amount),
        start_month=date(2025, 4, 1),
        decided_on=date(2025, 3, 10),
        review_class=review_class,
        next_review_on=clock.today() if due_today else None,
        created_by=world["clerk"],
    )


def set_wage(case: Case, wage: str) -> None:
    """A change the household reported before its review."""
    IncomeItem.objects.filter(member__household=case.household, kind="wage").update(
        monthly_amount=Decimal(wage)
    )


def start_review(world: World, **options: Any) -> Case:
    case = active_case(world, due_today=True, review_class="A", **options)
    assert review.start_due_reviews(clock.today()) == 1
    case.refresh_from_db()
    return case


def review_instance(case: Case) -> ProcessInstance:
    return ProcessInstance.objects.filter(case=case, definition__key="review").get()


def data(case: Case) -> dict[str, Any]:
    return runtime.instance_data(review_instance(case))


def check(
    world: World, case: Case, *, changed: bool = False, eligible: bool = True, reasons: str = ""
) -> None:
    case.refresh_from_db()
    review.do_record_review_check(
        case,
        actor=world["checker"],
        eligible=eligible,
        changed=changed,
        report_no="FH-HD-001",
        reasons=reasons or ("工资收入变化" if changed or not eligible else ""),
    )


def reinvestigate(world: World, case: Case) -> None:
    investigate(world, case)


def decide(world: World, case: Case, decision: str, **extra: Any) -> None:
    if decision != "continue" and "decision_reasons" not in extra:
        extra["decision_reasons"] = "家庭收入发生变化"
    complete(world, "reviewer", case, "decide", review_decision=decision, **extra)


def confirm(world: World, case: Case, confirmation: str = "approve", **extra: Any) -> None:
    complete(world, "approver", case, "county_confirm", confirmation=confirmation, **extra)


def deploy_review(world: World) -> None:
    """Deploy only the review process (its bundle brings the shared stages it calls).

    The `deployed` fixture deploys every process in workflows/; the review needs one.
    """
    # An exit decided at review continues in the exit process.
    deploy_only("review.bpmn", "exit.bpmn", actor=world["policy"])
