"""Requests at the window for the one window's tests."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User

from assistance.actions import do_complete_task
from assistance.ids import make_resident_id
from assistance.models import Case, StaffProfile
from engine.models import Task
from onewindow import actions
from onewindow.models import Channel, HelpRequest
from tests.fixtures import World


def person_id(day: int = 1) -> str:
    return make_resident_id("431101", date(1975, 6, day), 12, "M")


def register(
    world: World, *, name: str = "钱大勇", resident_id: str | None = None, region=None
) -> HelpRequest:
    return actions.do_register_request(
        actions.RequestData(
            region_id=(region or world.village_a1).pk,
            need="失业后求职，申请失业保险金。",
            channel=Channel.COUNTER,
            name=name,
            resident_id=person_id() if resident_id is None else resident_id,
            phone="13800000000",
        ),
        actor=world["clerk"],
    )


def refer(world: World, department: str = "hrss") -> Case:
    return actions.do_refer(register(world), actor=world["clerk"], department=department)


def complain(world: World, *, anonymous: bool = False, about: User | None = None) -> Case:
    request = register(world, name="" if anonymous else "孙某", resident_id="")
    return actions.do_register_complaint(
        request, actor=world["clerk"], anonymous=anonymous, subject_staff=about
    )


def profile(user: User, office, name: str) -> User:
    StaffProfile.objects.create(user=user, full_name=name, office=office)
    return user


def open_tasks(case: Case) -> list[str]:
    return sorted(Task.objects.filter(case=case).values_list("spec_name", flat=True))


def complete(world: World, user: str, case: Case, spec_name: str, **data) -> None:
    task = Task.objects.get(case=case, spec_name=spec_name)
    do_complete_task(task.pk, actor=world[user], data=data)
