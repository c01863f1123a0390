"""The time-limit analytics as XLSX: the tables of the page, one sheet each, numbers as
numbers; for auditors only; each export is in the audit trail."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from engine.models import AuditEvent
from tests.audit.analytics_cases import accept_on, apply_on, on
from tests.fixtures import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock", "deployed")]

URL = reverse("audit:analytics-export")


@pytest.fixture
def planted(world: World) -> None:
    quick = apply_on(world, date(2026, 3, 2))
    accept_on(world, quick, date(2026, 3, 6))
    late = apply_on(world, date(2026, 3, 2))
    accept_on(world, late, date(2026, 3, 10))
    on(date(2026, 4, 8))


def test_it_exports_every_table(client: Client, world: World, planted: None) -> None:
    client.force_login(world["auditor"])
    response = client.get(URL, {"start": "2026-03", "end": "2026-04"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "analytics-dibao-202603-202604.xlsx" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["各环节", "分地区", "逐月", "流程节点"]
    stages = [list(row) for row in book["各环节"].iter_rows(values_only=True)]
    assert stages[0][:3] == ["法定时限分析", "最低生活保障", "示范县"]
    assert stages[2][:4] == ["办理环节", "时限（工作日）", "已办结", "中位数（工作日）"]
    acceptance = next(row for row in stages if row[0] == "受理")
    assert acceptance[1:7] == ["5", 2, 5.0, pytest.approx(5.8), 1, 0.5]
    regions = [list(row) for row in book["分地区"].iter_rows(values_only=True)]
    assert ["受理", "东镇", 2, 5.0] in [row[:4] for row in regions]
    months = [list(row) for row in book["逐月"].iter_rows(values_only=True)]
    assert ["受理", "2026-03", 2] in [row[:3] for row in months]
    steps = [list(row) for row in book["流程节点"].iter_rows(values_only=True)]
    assert ["受理审查", "acceptance", 0, 2, 5.0] in steps
    event = AuditEvent.objects.get(action="audit.analytics_exported")
    assert event.actor == world["auditor"]
    assert event.payload["start"] == "2026-03-01"


def test_it_is_for_auditors_only(client: Client, world: World) -> None:
    client.force_login(world["approver"])
    assert client.get(URL).status_code == 404
    client.force_login(world["auditor"])
    assert client.post(URL).status_code == 405
    assert client.get(URL, {"region": world.province.pk}).status_code == 404
    assert not AuditEvent.objects.filter(action="audit.analytics_exported").exists()
