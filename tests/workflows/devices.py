"""Driving the assistive-device process the way staff do, through the domain actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from assistance import actions
from assistance.models import AssistanceType, Case
from tests.fixtures import World
from tests.workflows.dibao import complete, resident_id
from tests.workflows.evidence import upload


def details(**changes: Any) -> dict[str, Any]:
    """A registered-poor household's member, grade 1 physical disability, asking a wheelchair."""
    return {
        "disabled_member": 0,
        "certificate_no": "43110119800501123X11",
        "grade": 1,
        "category": "physical",
        "device": "wheelchair",
        "recipient_class": "registered_poor",
        **changes,
    }


def application(
    world: World, *, name: str = "残疾人甲", number: str = "", **changes: Any
) -> actions.ApplicationData:
    """The disabled person applying alone: `number` their resident id, else a new one."""
    number = number or resident_id(date(1966, 8, 8))
    return actions.ApplicationData(
        region_id=world.village_a1.pk,
        address="东村9组",
        hukou="rural",
        members=[actions.MemberData(name=name, resident_id=number, is_applicant=True)],
        assistance_type=AssistanceType.DEVICES,
        details=details(**changes),
    )


def apply(world: World, **changes: Any) -> Case:
    case = actions.do_apply(application(world, **changes), actor=world["clerk"])
    upload(world, case, "application_form", "id_cards", "disability_certificate")
    return case


def assess(world: World, case: Case, price: str = "1200.00", device: str = "wheelchair") -> None:
    complete(
        world,
        "federation",
        case,
        "assessment",
        assessment="suitable",
        assessed_device=device,
        device_price=price,
    )
