"""Driving the extreme-poverty support (tekun) process the way staff do."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from assistance import actions
from assistance.ids import make_resident_id
from assistance.kinds.tekun import ACTIVITIES
from assistance.models import AssistanceType, Case
from engine.clock import clock
from tests.fixtures import World
from tests.workflows.dibao import check, complete, investigate
from tests.workflows.evidence import APPLICATION, upload

_counter = itertools.count()

ELDERLY = date(1950, 5, 1)  # 75 on the fixed clock's day, 2 March 2026
CHILD = date(2016, 5, 1)  # 9


def resident_id(born: date) -> str:
    # The birth date must stay exact: ages on the application day are tested to the day.
    return make_resident_id("431101", born, next(_counter) % 100, "F")


def application(
    world: World | None,
    *,
    born: date = ELDERLY,
    disability_grade: int | None = None,
    orphan: bool | None = None,
    hukou: str = "rural",
    incomes: tuple[tuple[str, str], ...] = (),
) -> actions.ApplicationData:
    details: dict[str, Any] = {} if orphan is None else {"orphan": orphan}
    return actions.ApplicationData(
        region_id=world.village_a1.pk if world is not None else 0,
        address="东村3组",
        hukou=hukou,
        members=[
            actions.MemberData(
                name="五保户",
                resident_id=resident_id(born),
                is_applicant=True,
                disability_grade=disability_grade,
                incomes=[(kind, Decimal(amount)) for kind, amount in incomes],
            )
        ],
        assistance_type=AssistanceType.TEKUN,
        details=details,
    )


def apply(world: World, *, scans: bool = True, **options: Any) -> Case:
    case = actions.do_apply(application(world, **options), actor=world["clerk"])
    if scans:
        upload(world, case, *APPLICATION)
    return case


def abilities(failed: int) -> dict[str, bool]:
    """The first `failed` of the six activities cannot be done."""
    return {name: position >= failed for position, name in enumerate(ACTIVITIES)}


def assess(world: World, case: Case, failed: int, spec_name: str = "care_assessment") -> None:
    complete(
        world,
        "investigator",
        case,
        spec_name,
        assessed_on=clock.today().isoformat(),
        **abilities(failed),
    )


def arrange(world: World, case: Case, support_form: str = "dispersed") -> None:
    if support_form == "centralised":
        complete(
            world,
            "investigator",
            case,
            "support_arrangement",
            support_form="centralised",
            institution="东镇敬老院",
        )
        return
    complete(world, "investigator", case, "support_arrangement", support_form="dispersed")
    complete(
        world,
        "clerk",
        case,
        "care_agreement",
        caregiver_name="邻居张某",
        caregiver_relation="邻居",
        agreement_signed_on=clock.today().isoformat(),
    )


def to_opinion(
    world: World, case: Case, *, failed: int = 2, support_form: str = "dispersed"
) -> None:
    complete(world, "clerk", case, "acceptance", acceptance_decision="complete")
    check(world, case)
    investigate(world, case)
    assess(world, case, failed)
    arrange(world, case, support_form)


def approve_opinion(world: World, case: Case) -> None:
    complete(world, "reviewer", case, "opinion", opinion="approve", no_supporter=True)
