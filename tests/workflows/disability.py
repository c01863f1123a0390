"""Driving the disability-subsidy process the way staff do, through the domain actions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User

from assistance import actions
from assistance.models import AssistanceType, Case, CaseStatus, Household, Member
from tests.fixtures import World, deploy_only, make_user
from tests.workflows.dibao import complete, pass_notice, resident_id
from tests.workflows.evidence import upload


def deploy_disability(world: World) -> None:
    """Deploy this process alone, whatever state the other diagrams in workflows/ are in."""
    deploy_only("disability.bpmn", actor=world["policy"])


def federation_user(world: World) -> User:
    """The county disabled persons' federation reviewer the world fixture lacks."""
    user = make_user("federation", "disability_federation_reviewer", world.county)
    world.users["federation"] = user
    return user


def details(
    subsidy: str = "nursing",
    grade: int = 1,
    category: str = "physical",
    disabled_member: int = 0,
) -> dict[str, Any]:
    return {
        "subsidy": subsidy,
        "disabled_member": disabled_member,
        "certificate_no": "43110119800501123X11",
        "grade": grade,
        "category": category,
    }


def application(
    world: World,
    *,
    members: int = 2,
    minor_disabled: bool = False,
    **detail: Any,
) -> actions.ApplicationData:
    people = []
    for index in range(members):
        born = date(2015, 5, 1) if minor_disabled and index == 0 else date(1970, 5, 1)
        people.append(
            actions.MemberData(
                name=f"残疾人{index}" if index == 0 else f"家属{index}",
                resident_id=resident_id(born - timedelta(days=index)),
                is_applicant=index == 0,
            )
        )
    return actions.ApplicationData(
        region_id=world.village_a1.pk,
        address="东村2组",
        hukou="rural",
        members=people,
        assistance_type=AssistanceType.DISABILITY,
        details=details(**detail),
    )


def apply(world: World, *, scans: bool = True, **kwargs: Any) -> Case:
    case = actions.do_apply(application(world, **kwargs), actor=world["clerk"])
    if scans:
        upload_scans(world, case)
    return case


def upload_scans(world: World, case: Case) -> None:
    """What the township review and the county decision need on file."""
    upload(world, case, "application_form", "hukou", "id_cards", "disability_certificate")


def active_dibao_case(
    world: World, resident_ids: list[str], status: str = CaseStatus.ACTIVE
) -> Case:
    """A dibao household already on record (an ORM shortcut: its own path is tested elsewhere)."""
    household = Household.objects.create(region=world.village_a1, address="东村3组", hukou="rural")
    for index, number in enumerate(resident_ids):
        Member.objects.create(
            household=household,
            name=f"低保成员{index}",
            resident_id=number,
            birth_date=date(1970, 5, 1),
            sex="M",
            is_applicant=index == 0,
        )
    return Case.objects.create(
        number=f"DB-T-{household.pk}",
        assistance_type=AssistanceType.DIBAO,
        household=household,
        region=world.village_a1,
        status=status,
    )


def review(world: World, case: Case, opinion: str = "approve", **data: Any) -> None:
    complete(world, "reviewer", case, "township_review", opinion=opinion, **data)


def confirm(world: World, case: Case, grade: int = 1) -> None:
    complete(
        world,
        "federation",
        case,
        "federation_review",
        federation_decision="confirmed",
        confirmed_grade=grade,
    )


def to_decision(world: World, case: Case, grade: int = 1) -> None:
    review(world, case)
    assert pass_notice() == 1
    confirm(world, case, grade)
