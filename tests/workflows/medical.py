"""Driving the medical-aid process the way staff do, through the domain actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from assistance import actions
from assistance.models import AssistanceType, Case
from tests.fixtures import World
from tests.workflows.dibao import resident_id
from tests.workflows.evidence import upload

PATIENT = resident_id(date(1958, 6, 1))


def details(**changes: Any) -> dict[str, Any]:
    """A low-income patient's stay: 5,000 yuan of compliant costs left after insurance."""
    return {
        "patient_member": 0,
        "recipient_class": "low_income",
        "hospital": "东县人民医院",
        "discharged_on": "2026-02-20",
        "total_cost": "20000.00",
        "basic_insurance_paid": "12000.00",
        "serious_illness_paid": "3000.00",
        **changes,
    }


def application(world: World, **changes: Any) -> actions.ApplicationData:
    return actions.ApplicationData(
        region_id=world.village_a1.pk,
        address="东村5组",
        hukou="rural",
        members=[actions.MemberData(name="患者甲", resident_id=PATIENT, is_applicant=True)],
        assistance_type=AssistanceType.MEDICAL,
        details=details(**changes),
    )


def apply(world: World, **changes: Any) -> Case:
    case = actions.do_apply(application(world, **changes), actor=world["clerk"])
    upload(world, case, "application_form", "id_cards", "diagnosis")
    return case
