"""Cases for the auditors' reconstruction tests: a dibao case taken through notice to approval
by named staff, with scans uploaded and viewed; a county next door with its own auditor."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from assistance import actions
from assistance.models import Case, Evidence, RegionLevel, StaffProfile
from engine import runtime
from engine.clock import clock
from storage.base import reset_store_cache
from tests.fixtures import World, make_region, make_user
from tests.workflows.dibao import apply, complete, to_notice

NAMES = {
    "clerk": ("王受理", "township_a"),
    "investigator": ("张调查", "township_a"),
    "investigator2": ("赵调查", "township_a"),
    "reviewer": ("刘审核", "township_a"),
    "approver": ("陈审批", "county"),
    "checker": ("周核对", "county"),
    "auditor": ("吴审计", "county"),
    "policy": ("孙政策", "province"),
}


@pytest.fixture
def local_evidence(settings, tmp_path: Path):
    settings.EVIDENCE_BACKEND = "local"
    settings.EVIDENCE_DIR = tmp_path / "evidence"
    reset_store_cache()
    yield
    reset_store_cache()


def name_staff(world: World) -> None:
    for username, (name, office) in NAMES.items():
        StaffProfile.objects.create(
            user=world[username], full_name=name, office=getattr(world, office)
        )


def at_notice(world: World) -> Case:
    case = apply(world)
    to_notice(world, case)
    return case


def approved(world: World) -> Case:
    """A dibao case through acceptance, check, investigation, opinion, a 7-day notice and the
    county's confirmation; the approver looked at the investigation record on the way."""
    case = at_notice(world)
    clock.advance(timedelta(days=8))
    assert runtime.fire_due_timers() == 1
    record = Evidence.objects.get(case=case, kind="investigation_record")
    actions.do_view_evidence(record, actor=world["approver"])
    complete(world, "approver", case, "county_confirm", decision="approve")
    case.refresh_from_db()
    assert case.status == "active"
    return case


def neighbour_county(world: World) -> tuple[User, Case]:
    """A second county with its own auditor, and a case filed there."""
    county = make_region("431200", "邻县", RegionLevel.COUNTY, world.province)
    township = make_region("431201001", "北镇", RegionLevel.TOWNSHIP, county)
    village = make_region("431201001001", "北村", RegionLevel.VILLAGE, township)
    auditor = make_user("auditor_next_door", "auditor", county)
    case = apply(world)
    Case.objects.filter(pk=case.pk).update(region=village)
    case.refresh_from_db()
    return auditor, case
