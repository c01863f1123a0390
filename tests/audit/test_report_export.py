"""/audit/reports/<code>.xlsx: the report as a workbook, read back with openpyxl."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from engine.models import AuditEvent
from tests.audit.reports_world import case, clean_case, household, other_county, person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]

URL = "/audit/reports/income_above_standard.xlsx"


def rich(world, name, village):
    home = household(world, village)
    person(home, name, date(1980, 1, 1), applicant=True, wage="2000.00")
    return case(home)


def sheets(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    return {sheet.title: list(sheet.values) for sheet in book.worksheets}


def test_it_exports_the_cases_counts_and_what_the_report_is(client, world):
    assert reverse("audit:report-xlsx", args=["income_above_standard"]) == URL
    clean_case(world)
    east = rich(world, "东户", world.village_a1)
    west = rich(world, "=西户", world.village_b1)
    client.force_login(world["auditor"])
    books = sheets(client.get(URL))
    cases, per_township, about = books.values()
    assert cases[0] == (
        "案件编号",
        "救助类别",
        "状态",
        "县（区）",
        "乡镇（街道）",
        "申请人",
        "月保障金额",
        "原因",
        "链接",
    )
    rows = {row[0]: row for row in cases[1:]}
    assert set(rows) == {east.number, west.number}
    row = rows[east.number]
    assert row[1:6] == ("最低生活保障", "在保", "示范县", "东镇", "东户")
    assert row[6] == 900
    assert row[7] == "最低生活保障：人均计算收入每月 2,000.00（计 1 人），不低于标准 600.00"
    assert row[8] == f"http://testserver/audit/cases/{east.pk}/"
    # A name that looks like a formula stays text.
    assert rows[west.number][5] == "'=西户"
    assert sorted(per_township[1:]) == [("示范县", "东镇", 1), ("示范县", "西镇", 1)]
    notes = dict(row[:2] for row in about)
    assert notes["报表"] == "收入超过标准仍在保（错保）"
    assert notes["管辖范围"] == "示范县" and notes["乡镇（街道）"] == "全部乡镇"
    assert notes["导出人"] == "auditor" and notes["案件"] == 2
    event = AuditEvent.objects.get(action="audit.exported")
    assert event.actor == world["auditor"] and event.stream == "system"
    assert event.payload == {"list": "report:income_above_standard", "format": "xlsx", "rows": 2}


def test_it_exports_one_township(client, world):
    rich(world, "东户", world.village_a1)
    west = rich(world, "西户", world.village_b1)
    client.force_login(world["auditor"])
    cases, per_township, _about = sheets(
        client.get(URL, {"township": world.township_b.pk})
    ).values()
    assert [row[0] for row in cases[1:]] == [west.number]
    assert per_township[1:] == [("示范县", "西镇", 1)]
    assert AuditEvent.objects.get(action="audit.exported").payload["township"] == (
        world.township_b.pk
    )


def test_it_exports_nothing_of_another_county(client, world):
    elsewhere = other_county(world)
    rich(world, "邻县", elsewhere["village"])
    client.force_login(world["auditor"])
    cases, _counts, _about = sheets(client.get(URL)).values()
    assert cases[1:] == []
    assert client.get(URL, {"township": elsewhere["township"].pk}).status_code == 404
    assert client.get(URL, {"township": "x"}).status_code == 400


def test_it_refuses_other_methods(client, world):
    client.force_login(world["auditor"])
    assert client.post(URL).status_code == 405


@pytest.mark.parametrize("username", ["clerk", "approver", "policy"])
def test_it_is_a_missing_page_to_anyone_else(client, world, username):
    rich(world, "东户", world.village_a1)
    client.force_login(world[username])
    assert client.get(URL).status_code == 404
    assert client.get("/audit/reports/nothing.xlsx").status_code == 404
    assert not AuditEvent.objects.filter(action="audit.exported").exists()
