"""The quarterly poverty-registry comparison (exchanges/registry.py): a planted extract finds
exactly the planted differences; the same file again changes nothing; a later quarter keeps,
adds and clears rows; staff resolve a row with a note."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assistance.actions import ActionError
from assistance.models import CaseStatus, DeathRecord, Region
from assistance.tables import FileRefused
from engine.clock import clock
from engine.models import AuditEvent
from exchanges import registry
from exchanges.access import System
from exchanges.models import DifferenceStatus, RegistryDifference, RegistryImport
from tests.exchanges.registry_world import case_for, csv_file, person
from tests.workflows.dibao import resident_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


@pytest.fixture
def planted(world):
    """Who is who; `expected` holds the differences the extract below must give, no more."""
    a1, a2, b1 = world.village_a1, world.village_a2, world.village_b1
    people = {}
    people["covered"] = person(a1, "甲")
    case_for(people["covered"])
    people["no_case"] = person(a2, "乙")
    people["unknown"] = resident_id(date(1961, 1, 1))
    people["elderly_only"] = person(b1, "丁")
    case_for(people["elderly_only"], "elderly")
    people["dead"] = person(a1, "戊")
    DeathRecord.objects.create(
        resident_id=people["dead"].resident_id,
        died_on=date(2026, 1, 5),
        source="医院",
        imported_at=clock.now(),
    )
    head = person(a1, "己户主")
    people["not_covered_member"] = person(a1, "己", covered=False, household=head.household)
    case_for(head)
    people["lifted"] = person(a1, "庚")
    case_for(people["lifted"], registered_poor=True)
    people["unlisted"] = person(b1, "辛")
    case_for(people["unlisted"], registered_poor=True)
    people["backed"] = person(a2, "壬")
    case_for(people["backed"], registered_poor=True)
    people["plain_dibao"] = person(a2, "癸")
    case_for(people["plain_dibao"])
    single_head = person(a1, "特困户主")
    people["tekun"] = person(a1, "子", covered=False, household=single_head.household)
    case_for(people["tekun"], "tekun", single=True)
    neighbour = Region.objects.create(
        code="431200", name="邻县", level="county", parent=world.province
    )
    far = Region.objects.create(code="431201001001", name="邻村", level="village", parent=neighbour)
    people["other_county"] = person(far, "丑")
    case_for(people["other_county"], registered_poor=True)
    people["closed"] = person(a2, "寅")
    case_for(people["closed"], status=CaseStatus.CLOSED)

    def rid(key):
        value = people[key]
        return value if isinstance(value, str) else value.resident_id

    rows = [
        (rid("covered"), "甲", "贫困"),
        (rid("no_case"), "乙", "未脱贫"),
        (rid("unknown"), "丙", "脱贫享受政策"),
        (rid("elderly_only"), "丁", "贫困"),
        (rid("dead"), "戊", "贫困"),
        (rid("not_covered_member"), "己", "贫困"),
        (rid("lifted"), "庚", "已脱贫"),
        (rid("backed"), "壬", "贫困"),
        (rid("plain_dibao"), "癸", "已脱贫"),
        (rid("tekun"), "子", "贫困"),
        (rid("closed"), "寅", "贫困"),
        # Left out, each with its reason.
        ("431101196001010000", "坏号", "贫困"),
        (resident_id(date(1962, 2, 2)), "未知", "边缘户"),
        (rid("no_case"), "乙", "贫困"),
    ]
    expected = {
        ("not_covered", rid("no_case"), "poor", world.village_a2.pk),
        ("not_covered", rid("unknown"), "policy", world.county.pk),
        ("not_covered", rid("elderly_only"), "poor", world.village_b1.pk),
        ("not_covered", rid("not_covered_member"), "poor", world.village_a1.pk),
        ("not_covered", rid("closed"), "poor", world.village_a2.pk),
        ("not_eligible", rid("lifted"), "lifted", world.village_a1.pk),
        ("not_eligible", rid("unlisted"), "", world.village_b1.pk),
    }
    return {"rows": rows, "expected": expected, "people": people, "rid": rid}


def differences(status=DifferenceStatus.OPEN):
    return {
        (d.kind, d.resident_id, d.registry_status, d.region_id)
        for d in RegistryDifference.objects.filter(status=status)
    }


def run(world, rows, quarter="2026Q1", user="approver"):
    return registry.do_import_registry(
        world.county.pk, quarter, file_name="建档立卡.csv", data=csv_file(*rows), actor=world[user]
    )


def test_it_finds_exactly_the_planted_differences(world, planted):
    result = run(world, planted["rows"])
    assert result.created
    assert differences() == planted["expected"]
    imported = result.registry_import
    assert (imported.rows, imported.not_covered, imported.not_eligible) == (14, 5, 2)
    assert imported.new_differences == 7 and imported.cleared == 0
    assert [p["line"] for p in imported.problems] == [13, 14, 15]
    lifted = RegistryDifference.objects.get(resident_id=planted["rid"]("lifted"))
    assert lifted.case.details == {"registered_poor": True} and lifted.name == "庚"
    event = AuditEvent.objects.get(action="registry.imported")
    assert (event.actor, event.region_id, event.payload["new"]) == (
        world["approver"],
        world.county.pk,
        7,
    )


def test_it_changes_nothing_when_the_same_file_comes_again(world, planted):
    first = run(world, planted["rows"])
    again = run(world, planted["rows"], quarter="2026Q2")
    assert not again.created and again.registry_import == first.registry_import
    assert RegistryDifference.objects.count() == 7 and RegistryImport.objects.count() == 1


def test_it_keeps_adds_and_clears_rows_with_a_later_quarter(world, planted):
    run(world, planted["rows"])
    rid = planted["rid"]
    later = [row for row in planted["rows"] if row[0] not in (rid("no_case"), rid("lifted"))]
    later.append((rid("lifted"), "庚", "贫困"))
    newcomer = person(world.village_a1, "卯")
    later.append((newcomer.resident_id, "卯", "贫困"))
    second = run(world, later, quarter="2026Q2").registry_import
    assert (second.new_differences, second.cleared) == (1, 2)
    expected = {
        row for row in planted["expected"] if row[1] not in (rid("no_case"), rid("lifted"))
    } | {("not_covered", newcomer.resident_id, "poor", world.village_a1.pk)}
    assert differences() == expected
    assert {d[1] for d in differences(DifferenceStatus.CLEARED)} == {rid("no_case"), rid("lifted")}
    kept = RegistryDifference.objects.get(resident_id=rid("unknown"), status="open")
    assert kept.last_seen_by == second and kept.found_by != second


def test_it_resolves_a_row_with_a_note_on_the_record(world, planted):
    run(world, planted["rows"])
    row = RegistryDifference.objects.get(resident_id=planted["rid"]("lifted"))
    with pytest.raises(ActionError):
        registry.do_resolve_difference(row.pk, actor=world["approver"], note=" ")
    with pytest.raises(PermissionDenied):
        registry.do_resolve_difference(row.pk, actor=world["auditor"], note="已核实")
    with pytest.raises(Http404):
        registry.do_resolve_difference(row.pk, actor=world["outsider"], note="已核实")
    registry.do_resolve_difference(row.pk, actor=world["approver"], note="已核实，已脱贫，启动复核")
    row.refresh_from_db()
    assert (row.status, row.resolved_by, row.note) == (
        "resolved",
        world["approver"],
        "已核实，已脱贫，启动复核",
    )
    event = AuditEvent.objects.get(action="registry.difference_resolved")
    assert event.case_id == row.case_id
    with pytest.raises(ActionError):
        registry.do_resolve_difference(row.pk, actor=world["approver"], note="再次")
    # Still there next quarter: a new row for the county to look at again.
    run(world, [*planted["rows"], (resident_id(date(1963, 3, 3)), "新", "贫困")], "2026Q2")
    assert RegistryDifference.objects.filter(resident_id=row.resident_id).count() == 2


def test_it_takes_the_registrys_rows_from_its_system(world, planted):
    user = User.objects.create_user("poverty-registry")
    system = System("poverty_registry", world.province)
    records = [{"resident_id": r, "name": n, "status": s} for r, n, s in planted["rows"]]
    result = registry.do_import_registry(
        world.county.pk, "2026Q1", file_name="api", records=records, actor=user, system=system
    )
    assert result.created and differences() == planted["expected"]
    assert result.registry_import.uploaded_role == "system:poverty_registry"
    again = registry.do_import_registry(
        world.county.pk, "2026Q1", file_name="api", records=records, actor=user, system=system
    )
    assert not again.created


def test_it_refuses_a_bad_quarter_a_bad_file_and_other_counties(world, planted):
    with pytest.raises(ActionError):
        run(world, planted["rows"], quarter="2026-1")
    with pytest.raises(FileRefused):
        registry.do_import_registry(
            world.county.pk,
            "2026Q1",
            file_name="x.csv",
            data=b"a,b\n1,2\n",
            actor=world["approver"],
        )
    with pytest.raises(Http404):
        registry.do_import_registry(
            world.township_a.pk, "2026Q1", file_name="x.csv", data=b"", actor=world["approver"]
        )
    with pytest.raises(PermissionDenied):
        run(world, planted["rows"], user="auditor")
    assert not RegistryImport.objects.exists()
