"""Driving the orphan processes the way staff do, through the domain actions."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from assistance import actions
from assistance.ids import make_resident_id
from assistance.models import AssistanceType, Case
from engine.clock import clock
from engine.models import ProcessInstance
from tests.fixtures import World
from tests.workflows.dibao import complete
from tests.workflows.evidence import upload

_sequence = itertools.count()

GUARDIAN_BORN = date(1965, 8, 20)


def resident_id(born: date, sex: str = "M") -> str:
    # Sequences 50-99 keep clear of the dibao helpers' numbers for the same birth dates.
    return make_resident_id("431101", born, 50 + next(_sequence) % 50, sex)  # type: ignore[arg-type]


def application(
    world: World,
    *,
    born: date = date(2015, 5, 1),
    category: str = "orphan",
    **details: Any,
) -> actions.ApplicationData:
    return actions.ApplicationData(
        region_id=world.village_a1.pk,
        address="东村3组",
        hukou="rural",
        members=[actions.MemberData(name="小明", resident_id=resident_id(born), is_applicant=True)],
        assistance_type=AssistanceType.ORPHAN,
        details={
            "category": category,
            "guardian_name": "王奶奶",
            "guardian_resident_id": resident_id(GUARDIAN_BORN, "F"),
            "in_school": True,
            **details,
        },
    )


def apply(world: World, *, scans: bool = True, **kwargs: Any) -> Case:
    case = actions.do_apply(application(world, **kwargs), actor=world["clerk"])
    if scans:
        upload(world, case, "application_form", "hukou", "id_cards")
    return case


def verify(world: World, case: Case, *, verified: bool = True, reasons: str = "") -> None:
    category = case.details["category"]
    data: dict[str, Any] = {
        "compared_on": clock.today().isoformat(),
        "death_records": "both" if category == "orphan" else "father",
        "missing_declarations": "none",
        "verification": "verified" if verified else "not_verified",
    }
    if category == "unattended":
        data.update(
            detention_records="mother", disability_illness_records="none", lost_contact="none"
        )
    if reasons:
        data["verification_reasons"] = reasons
    complete(world, "clerk", case, f"verify_{category}", **data)


def confirm(world: World, case: Case, *, approve: bool = True, reasons: str = "") -> None:
    data = {"decision": "approve" if approve else "refuse"}
    if reasons:
        data["decision_reasons"] = reasons
    complete(world, "approver", case, "county_confirm", **data)


def approve(world: World, **kwargs: Any) -> Case:
    case = apply(world, **kwargs)
    verify(world, case)
    confirm(world, case)
    case.refresh_from_db()
    return case


def schooling(world: World, case: Case, *, in_school: bool, school: str = "") -> None:
    data: dict[str, Any] = {
        "checked_on": clock.today().isoformat(),
        "in_full_time_school": in_school,
    }
    if school:
        data["school_name"] = school
    complete(world, "clerk", case, "schooling_check", **data)


def instance(case: Case, key: str) -> ProcessInstance:
    return ProcessInstance.objects.get(case=case, definition__key=key)
