"""/exchanges/registry/differences/: the county's worklist, filtered by township, kind and
status; a county approver marks a row resolved with a note (audited)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from engine.models import AuditEvent
from exchanges import registry
from exchanges.models import DifferenceStatus, RegistryDifference
from tests.exchanges.registry_world import case_for, csv_file, person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

PAGE = reverse("exchanges:differences")


def compare(world, *people):
    rows = [(member.resident_id, member.name, "贫困") for member in people]
    registry.do_import_registry(
        world.county.pk, "2026Q1", file_name="r.csv", data=csv_file(*rows), actor=world["approver"]
    )


def resolve_url(row):
    return reverse("exchanges:difference-resolve", args=[row.pk])


@pytest.fixture
def worklist(world):
    east = person(world.village_a1, "东甲")
    west = person(world.village_b1, "西乙")
    lifted = person(world.village_a2, "南丙")
    case_for(lifted, registered_poor=True)
    compare(world, east, west)
    return {"east": east, "west": west, "lifted": lifted}


def test_it_lists_and_filters_the_worklist(client, world, worklist):
    client.force_login(world["approver"])
    page = client.get(PAGE).content.decode()
    assert all(worklist[key].name in page for key in ("east", "west", "lifted"))
    assert worklist["east"].resident_id not in page and worklist["east"].resident_id[-4:] in page
    by_township = client.get(PAGE, {"township": world.township_b.pk}).content.decode()
    assert "西乙" in by_township and "东甲" not in by_township
    by_kind = client.get(PAGE, {"kind": "not_eligible"}).content.decode()
    assert "南丙" in by_kind and "东甲" not in by_kind and "未登记" in by_kind


def test_it_marks_a_row_resolved_with_a_note(client, world, worklist):
    row = RegistryDifference.objects.get(resident_id=worklist["east"].resident_id)
    client.force_login(world["approver"])
    response = client.post(
        resolve_url(row),
        {"note": "已入户核实，不符合低保条件", "back": "kind=not_covered&next=//evil"},
    )
    assert response.status_code == 302 and response.url == PAGE + "?kind=not_covered"
    row.refresh_from_db()
    assert (row.status, row.note, row.resolved_by) == (
        DifferenceStatus.RESOLVED,
        "已入户核实，不符合低保条件",
        world["approver"],
    )
    assert AuditEvent.objects.filter(action="registry.difference_resolved").count() == 1
    assert "东甲" not in client.get(PAGE).content.decode()
    resolved = client.get(PAGE, {"status": "resolved"}).content.decode()
    assert "已入户核实" in resolved


def test_it_refuses_an_empty_note_in_chinese(client, world, worklist):
    row = RegistryDifference.objects.get(resident_id=worklist["east"].resident_id)
    client.force_login(world["approver"])
    response = client.post(resolve_url(row), {"note": " "})
    assert response.status_code == 400
    assert "请说明核查结果或处理情况" in response.content.decode()
    row.refresh_from_db()
    assert row.status == DifferenceStatus.OPEN


def test_it_refuses_wrong_methods(client, world, worklist):
    row = RegistryDifference.objects.first()
    client.force_login(world["approver"])
    assert client.post(PAGE).status_code == 405
    assert client.get(resolve_url(row)).status_code == 405


def test_it_does_not_exist_for_others(client, world, worklist):
    row = RegistryDifference.objects.first()
    client.force_login(world["outsider"])
    assert client.get(PAGE).status_code == 404
    assert client.post(resolve_url(row), {"note": "看看"}).status_code == 404
    client.force_login(world["approver"])
    assert (
        client.post(
            reverse("exchanges:difference-resolve", args=[999999]), {"note": "看看"}
        ).status_code
        == 404
    )


def test_it_lets_auditors_read_but_not_resolve(client, world, worklist):
    row = RegistryDifference.objects.first()
    client.force_login(world["auditor"])
    page = client.get(PAGE).content.decode()
    assert "东甲" in page and "标记为已处理" not in page
    assert client.post(resolve_url(row), {"note": "审计"}).status_code == 403
    row.refresh_from_db()
    assert row.status == DifferenceStatus.OPEN


def test_it_lists_many_rows_in_as_many_queries_as_few(client, world, django_assert_max_num_queries):
    compare(world, person(world.village_a1, "一"))
    client.force_login(world["approver"])
    client.get(PAGE)
    with django_assert_max_num_queries(20) as few:
        client.get(PAGE)
    compare(world, *(person(world.village_a2, f"多{n}") for n in range(12)))
    assert RegistryDifference.objects.filter(status="open").count() == 12
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(PAGE).status_code == 200
