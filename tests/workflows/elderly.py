"""Driving the elderly allowance processes the way staff do, through the domain actions."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User

from assistance import actions
from assistance.ids import make_resident_id
from assistance.kinds.elderly import KIND
from assistance.models import AssistanceType, Case, CaseStatus, Household, Member
from engine import runtime
from engine.clock import clock
from engine.models import InstanceStatus, ProcessInstance, Task, Timer
from tests.fixtures import World, deploy_only
from tests.workflows.evidence import upload

# The fixed clock's day (tests.fixtures.fixed_clock): ages below are counted on it.
TODAY = date(2026, 3, 2)

_sequence = itertools.count()


def resident_id(born: date) -> str:
    # A test creates a handful of people: sequence and sex give 200 distinct IDs per day.
    number = next(_sequence) % 200
    return make_resident_id("431101", born, number % 100, "M" if number < 100 else "F")


def born_aged(years: int, days_after_birthday: int = 0) -> date:
    """A birth date giving `years` completed years on TODAY, the birthday that many days ago."""
    return TODAY.replace(year=TODAY.year - years) - timedelta(days=days_after_birthday)


def apply(world: World, born: date, allowance: str = "old_age", name: str = "老人甲") -> Case:
    application = actions.ApplicationData(
        region_id=world.village_a1.pk,
        address="东村3组",
        hukou="rural",
        members=[actions.MemberData(name=name, resident_id=resident_id(born), is_applicant=True)],
        assistance_type=AssistanceType.ELDERLY,
        details={"allowance": allowance},
    )
    return actions.do_apply(application, actor=world["clerk"])


def active_dibao_member(world: World, born: date) -> tuple[Case, Member]:
    """An elderly person in a household already receiving dibao (set up directly as a fact)."""
    household = Household.objects.create(region=world.village_a1, address="东村5组", hukou="rural")
    elder = Member.objects.create(
        household=household,
        name="低保老人",
        resident_id=resident_id(born),
        birth_date=born,
        sex="M",
        is_applicant=True,
    )
    case = Case.objects.create(
        number=f"DB-{elder.pk}",
        assistance_type=AssistanceType.DIBAO,
        household=household,
        region=world.village_a1,
        status=CaseStatus.ACTIVE,
    )
    return case, elder


def apply_needy_in_dibao_household(world: World, dibao: Case, elder: Member) -> Case:
    """Stand-in for do_apply on an existing household, which actions.py cannot do yet.

    do_apply refuses anyone already registered as a member, so a dibao member cannot apply
    through it. This runs the kind's own on-the-spot check and then does what do_apply
    does, with the elderly case on the dibao household and the elder as its single person.
    """
    KIND.check_application(
        actions.ApplicationData(
            region_id=dibao.region_id,
            address=dibao.household.address,
            hukou=dibao.household.hukou,
            members=[
                actions.MemberData(
                    name=elder.name, resident_id=elder.resident_id, is_applicant=True
                )
            ],
            assistance_type=AssistanceType.ELDERLY,
            details={"allowance": "needy_elderly"},
        )
    )
    case = Case.objects.create(
        number=f"GL-{elder.pk}",
        assistance_type=AssistanceType.ELDERLY,
        household=dibao.household,
        region=dibao.region,
        single_person=elder,
        details={"allowance": "needy_elderly"},
        created_by=world["clerk"],
    )
    runtime.start(
        KIND.process_key,
        case_id=case.pk,
        region_id=case.region_id,
        actor=world["clerk"],
        role="township_clerk",
        data=actions.process_data(case),
    )
    return case


def task(case: Case, spec_name: str) -> Task:
    return Task.objects.get(case=case, spec_name=spec_name)


def open_tasks(case: Case) -> list[str]:
    return sorted(Task.objects.filter(case=case).values_list("spec_name", flat=True))


def complete(world: World, user: str, case: Case, spec_name: str, **data: Any) -> None:
    actions.do_complete_task(task(case, spec_name).pk, actor=world[user], data=data)


def verify(world: World, case: Case, passed: bool = True) -> None:
    extra = {} if passed else {"verify_reasons": "户籍已于去年迁出本镇"}
    # The application form and ID card, which confirmation needs on file.
    upload(world, case, "application_form", "id_cards")
    complete(
        world,
        "clerk",
        case,
        "verify",
        verified_on=clock.today().isoformat(),
        compared_with=["hukou", "id_card", "funeral"],
        verify_result="pass" if passed else "fail",
        **extra,
    )


def approve(world: World, case: Case) -> None:
    verify(world, case)
    complete(world, "approver", case, "county_confirm", decision="approve")


def running_check(case: Case) -> ProcessInstance:
    return ProcessInstance.objects.get(
        case=case, status=InstanceStatus.RUNNING, definition__key="elderly_yearly_check"
    )


def yearly_timer(case: Case) -> Timer:
    return Timer.objects.get(instance=running_check(case))


def reach_yearly_check(case: Case) -> None:
    """Move the clock just past the check's due moment and fire the timer."""
    clock.set(yearly_timer(case).due_at + timedelta(seconds=1))
    assert runtime.fire_due_timers() == 1


def data_of(case: Case, key: str = "elderly", nth: int = -1) -> dict[str, Any]:
    """The data of the case's instances of process `key`, oldest first: by default the last."""
    instances = list(ProcessInstance.objects.filter(case=case, definition__key=key).order_by("pk"))
    return runtime.instance_data(instances[nth])


def deploy_elderly(actor: User | None) -> None:
    """Deploy only the elderly processes."""
    deploy_only("elderly.bpmn", "elderly_yearly_check.bpmn", actor=actor)
