"""Driving the disaster-relief process the way staff do, through the domain actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from assistance import actions
from assistance.models import AssistanceType, Case
from tests.fixtures import World
from tests.workflows.dibao import resident_id
from tests.workflows.evidence import upload

# Two persons whose home collapsed in a flood, for three months.
TRANSITION = {
    "aid": "transition",
    "disaster": "flood",
    "disaster_date": "2026-02-25",
    "persons": 2,
    "housing": "collapsed",
    "months": 3,
}
WINTER = {"aid": "winter_spring", "disaster": "freeze", "disaster_date": "2026-01-10", "persons": 3}


def apply(world: World, details: dict[str, Any], born: list[date] | None = None) -> Case:
    born = born or [date(1970, 1, 1), date(1972, 1, 1), date(1995, 1, 1)]
    case = actions.do_apply(
        actions.ApplicationData(
            region_id=world.village_a1.pk,
            address="东村7组",
            hukou="rural",
            members=[
                actions.MemberData(
                    name=f"受灾{index}",
                    resident_id=resident_id(day),
                    is_applicant=index == 0,
                    relation="self" if index == 0 else "family",
                )
                for index, day in enumerate(born)
            ],
            assistance_type=AssistanceType.DISASTER,
            details=dict(details),
        ),
        actor=world["clerk"],
    )
    upload(world, case, "application_form", "hukou", "id_cards")
    return case
