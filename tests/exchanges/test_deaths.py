"""Death records through their one path (exchanges/deaths.py): recorded once with the exits
they call for, a repeat a duplicate, another date refused; each sender within its scope."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assistance.models import DeathRecord, Household, Member, Region
from engine.models import AuditEvent
from exchanges.access import System
from exchanges.deaths import receive_death_record
from tests.workflows.dibao import open_tasks, resident_id
from tests.workflows.exit import active_case, deploy_processes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "exit_deployed")]

DAY = date(2026, 2, 27)


@pytest.fixture
def exit_deployed(world):
    deploy_processes(world, "exit.bpmn")


@pytest.fixture
def registry_user(db):
    return User.objects.create_user("civil-registry")


def subject(case) -> str:
    return case.household.members.order_by("pk").first().resident_id


def other_county_person(world) -> str:
    county = Region.objects.create(
        code="431200", name="邻县", level="county", parent=world.province
    )
    village = Region.objects.create(
        code="431201001001", name="邻村", level="village", parent=county
    )
    household = Household.objects.create(region=village, address="邻村", hukou="rural")
    number = resident_id(date(1945, 3, 3))
    Member.objects.create(
        household=household, name="邻人", resident_id=number, birth_date=date(1945, 3, 3), sex="M"
    )
    return number


def test_it_records_a_death_from_the_civil_registry_and_starts_the_exit(world, registry_user):
    case = active_case(world, "tekun")
    system = System("civil_registry", world.province)
    outcome = receive_death_record(
        subject(case), DAY, "县殡葬管理所", actor=registry_user, system=system
    )
    assert outcome.status == "recorded" and len(outcome.extra.started) == 1
    assert open_tasks(case) == ["county_approval"]
    event = AuditEvent.objects.get(action="death.recorded")
    assert (event.actor, event.role) == (registry_user, "system:civil_registry")
    again = receive_death_record(subject(case), DAY, "医院", actor=registry_user, system=system)
    assert again.status == "duplicate"
    other = receive_death_record(
        subject(case), date(2026, 2, 20), "公安", actor=registry_user, system=system
    )
    assert other.status == "rejected" and "2026-02-27" in other.message
    assert DeathRecord.objects.get().died_on == DAY


def test_it_records_a_stranger_for_the_registry_but_not_outside_its_region(world, registry_user):
    stranger = resident_id(date(1939, 1, 1))
    province = System("civil_registry", world.province)
    assert receive_death_record(
        stranger, DAY, "医院", actor=registry_user, system=province
    ).status == ("recorded")
    elsewhere = other_county_person(world)
    county = System("civil_registry", world.county)
    outcome = receive_death_record(elsewhere, DAY, "医院", actor=registry_user, system=county)
    assert outcome.status == "rejected" and "jurisdiction" in outcome.message
    assert not DeathRecord.objects.filter(resident_id=elsewhere).exists()


def test_it_lets_the_county_approver_import_deaths_in_the_county(world):
    case = active_case(world, "elderly")
    outcome = receive_death_record(subject(case), DAY, "民政局", actor=world["approver"])
    assert outcome.status == "recorded"
    event = AuditEvent.objects.get(action="death.recorded")
    assert (event.actor, event.role) == (world["approver"], "county_approver")
    assert AuditEvent.objects.get(action="case.exit_started").role == "county_approver"


def test_it_tells_staff_nothing_about_people_outside_their_jurisdiction(world):
    elsewhere = other_county_person(world)
    stranger = resident_id(date(1938, 1, 1))
    answers = {
        receive_death_record(number, DAY, "医院", actor=world["approver"]).message
        for number in (elsewhere, stranger)
    }
    assert answers == {"No one with this resident ID is registered in your jurisdiction."}
    assert not DeathRecord.objects.exists()


def test_it_refuses_readers_and_strangers(world):
    case = active_case(world, "tekun")
    with pytest.raises(PermissionDenied):
        receive_death_record(subject(case), DAY, "医院", actor=world["auditor"])
    with pytest.raises(Http404):
        receive_death_record(subject(case), DAY, "医院", actor=world["outsider"])
    assert not DeathRecord.objects.exists()


def test_it_rejects_a_bad_resident_id_or_source(world, registry_user):
    system = System("civil_registry", world.province)
    bad = receive_death_record(
        "43110119800501001X", DAY, "医院", actor=registry_user, system=system
    )
    assert bad.status == "rejected" and "check character" in bad.message
    number = resident_id(date(1937, 1, 1))
    empty = receive_death_record(number, DAY, " ", actor=registry_user, system=system)
    assert empty.status == "rejected" and "source" in empty.message
    future = receive_death_record(
        number, date(2026, 3, 9), "医院", actor=registry_user, system=system
    )
    assert future.status == "rejected" and "future" in future.message
