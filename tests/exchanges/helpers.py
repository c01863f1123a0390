"""Cases waiting for the check centre, and the centre's system, for the exchanges' tests."""

from __future__ import annotations

from assistance.models import Case
from exchanges.access import System
from exchanges.models import CheckRequest
from tests.fixtures import World
from tests.workflows.dibao import accept, apply


def waiting_case(world: World) -> Case:
    """A dibao application accepted by the clerk: its process waits for the check report."""
    case = apply(world)
    accept(world, case)
    case.refresh_from_db()
    return case


def request_of(case: Case) -> CheckRequest:
    return CheckRequest.objects.filter(case=case).order_by("-round").first()  # type: ignore[return-value]


def centre(world: World) -> System:
    return System(kind="check_centre", region=world.county)
