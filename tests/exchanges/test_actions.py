"""The staff's file imports (exchanges/actions.py): every row through the API's own function
in its own transaction, a report per row, the same file twice changing nothing, files that
cannot be read refused whole."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assistance.models import DeathRecord
from assistance.tables import FileRefused
from engine.models import AuditEvent
from exchanges import actions
from exchanges.models import CheckStatus
from tests.exchanges.helpers import request_of, waiting_case
from tests.fixtures import deploy_only
from tests.payments.grants_world import xlsx
from tests.workflows.dibao import open_tasks, resident_id
from tests.workflows.exit import active_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_clock")]


@pytest.fixture
def deployed_dibao_and_exit(world):
    deploy_only("dibao.bpmn", "exit.bpmn", actor=world["policy"])


def statuses(imported):
    return [(row["line"], row["status"]) for row in imported.report]


@pytest.mark.usefixtures("deployed_dibao_and_exit")
def test_it_imports_the_centres_workbook_row_by_row(world):
    case, other = waiting_case(world), waiting_case(world)
    workbook = xlsx(
        [
            [request_of(case).number, "符合", "HD-1", ""],
            [request_of(other).number, "不符合", "HD-2", "名下有车辆"],
            ["=1+1", "符合", "HD-3", ""],
            [request_of(case).number, "也许", "HD-4", ""],
        ],
        header=["核对编号", "核对结果", "报告编号", "原因"],
    )
    imported = actions.do_import_check_results("结果.xlsx", workbook, actor=world["checker"])
    assert statuses(imported) == [
        (2, "recorded"),
        (3, "recorded"),
        (4, "rejected"),
        (5, "rejected"),
    ]
    assert open_tasks(case) == ["investigate"] and open_tasks(other) == ["check_objection"]
    assert imported.report[3]["message"] == "The result must be 符合 or 不符合."
    event = AuditEvent.objects.get(action="exchanges.file_imported")
    assert (event.actor, event.payload["recorded"], event.payload["rejected"]) == (
        world["checker"],
        2,
        2,
    )
    again = actions.do_import_check_results("结果.xlsx", workbook, actor=world["checker"])
    assert statuses(again) == [(2, "duplicate"), (3, "duplicate"), (4, "rejected"), (5, "rejected")]
    assert request_of(case).status == CheckStatus.ANSWERED


@pytest.mark.usefixtures("deployed_dibao_and_exit")
def test_it_imports_deaths_with_workbook_dates(world):
    case = active_case(world, "tekun")
    subject = case.household.members.order_by("pk").first().resident_id
    workbook = xlsx(
        [
            [subject, datetime(2026, 2, 27), "县殡葬管理所"],
            [resident_id(date(1941, 1, 1)), "2026/02/27", "医院"],
            [subject, "2026-02-27", "公安"],
        ],
        header=["身份证号", "死亡日期", "来源"],
    )
    imported = actions.do_import_deaths("死亡.xlsx", workbook, actor=world["approver"])
    assert statuses(imported) == [(2, "recorded"), (3, "rejected"), (4, "duplicate")]
    assert imported.report[0]["ref"] == subject[:4] + "*" * 10 + subject[-4:]
    assert DeathRecord.objects.get().died_on == date(2026, 2, 27)
    assert open_tasks(case) == ["county_approval"]


def test_it_refuses_files_it_cannot_read_and_writes_nothing(world):
    with pytest.raises(FileRefused, match="first row"):
        actions.do_import_deaths("d.csv", b"id,date\n1,2\n", actor=world["approver"])
    with pytest.raises(FileRefused, match="larger than 2 MB"):
        actions.do_import_deaths("d.csv", b"x" * (actions.MAX_BYTES + 1), actor=world["approver"])
    rows = "\n".join(f"DB-{n}-C1,符合,H{n}," for n in range(actions.MAX_CHECK_ROWS + 1))
    data = f"核对编号,核对结果,报告编号,原因\n{rows}\n".encode()
    with pytest.raises(FileRefused, match="more than 500 rows"):
        actions.do_import_check_results("c.csv", data, actor=world["checker"])
    with pytest.raises(FileRefused, match="XLSX"):
        actions.do_import_deaths("d.xlsx", b"PK\x03\x04broken", actor=world["approver"])
    assert not AuditEvent.objects.filter(action="exchanges.file_imported").exists()


def test_it_lets_only_the_acting_role_import(world):
    data = "身份证号,死亡日期,来源\n".encode()
    with pytest.raises(PermissionDenied):
        actions.do_import_deaths("d.csv", data, actor=world["auditor"])
    with pytest.raises(Http404):
        actions.do_import_deaths("d.csv", data, actor=world["checker"])
    with pytest.raises(Http404):
        actions.do_import_check_results("c.csv", data, actor=world["approver"])
