"""Cases with known stays, for the time-limit analytics: each step is done on a chosen day
(the engine's clock set to 09:00 China time), in township A (by the world's clerk) or in
township B (by the outsider, who is township B's clerk)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from assistance import actions
from assistance.models import Case
from engine.clock import clock
from tests.fixtures import SHANGHAI, World
from tests.workflows.dibao import complete, resident_id
from tests.workflows.evidence import APPLICATION, upload

CLERKS = {"a": "clerk", "b": "outsider"}


def on(day: date) -> None:
    clock.set(datetime(day.year, day.month, day.day, 9, 0, tzinfo=SHANGHAI))


def apply_on(world: World, day: date, township: str = "a") -> Case:
    on(day)
    village = world.village_a1 if township == "a" else world.village_b1
    member = actions.MemberData(
        name="申请人",
        resident_id=resident_id(date(1980, 5, 1)),
        is_applicant=True,
        incomes=[("wage", Decimal("300.00"))],
    )
    application = actions.ApplicationData(
        region_id=village.pk, address=f"{village.name}1组", hukou="rural", members=[member]
    )
    return actions.do_apply(application, actor=world[CLERKS[township]])


def accept_on(world: World, case: Case, day: date, township: str = "a") -> None:
    on(day)
    clerk = CLERKS[township]
    upload(world, case, *APPLICATION, user=clerk)
    complete(world, clerk, case, "acceptance", acceptance_decision="complete")
