"""audit/exports.py: XLSX and CSV downloads of the auditors' lists, and their trace."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404
from openpyxl import load_workbook

from audit import exports
from engine.models import AuditEvent

HEADERS = ["案件编号", "申请人", "身份证号", "月保障金", "受理日期", "时间"]
ROWS = [
    ["DB-1", "张三", "430102199001011234", Decimal("512.50"), date(2026, 3, 2), None],
    [
        "DB-2",
        '=HYPERLINK("http://x")',
        "43010219900101123X",
        None,
        None,
        datetime(2026, 3, 2, 1, 30, tzinfo=ZoneInfo("UTC")),
    ],
]


def read_xlsx(content: bytes):
    return load_workbook(io.BytesIO(content))


def test_it_writes_an_xlsx_that_reads_back(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    response = exports.xlsx_response(
        "案件.xlsx", HEADERS, iter(ROWS), sheet_title="案件", about=[("导出人", "auditor")]
    )
    assert response["Content-Type"] == exports.XLSX_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''%E6%A1%88%E4%BB%B6.xlsx" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    book = read_xlsx(response.content)
    sheet = book["案件"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADERS
    assert rows[1][:5] == ["DB-1", "张三", "430102199001011234", 512.5, datetime(2026, 3, 2)]
    # Text never becomes a formula; an ID keeps all its characters; times are local.
    assert rows[2][1] == '\'=HYPERLINK("http://x")'
    assert rows[2][2] == "43010219900101123X"
    assert rows[2][5] == datetime(2026, 3, 2, 9, 30)
    about = [list(row) for row in book.worksheets[1].iter_rows(values_only=True)]
    assert ["导出人", "auditor"] in about
    assert about[-1][1] == 2


def test_it_stops_at_the_limit_and_says_so():
    rows = ([n, f"户{n}"] for n in range(10))
    content = exports.xlsx_response("x.xlsx", ["n", "name"], rows, limit=3).content
    book = read_xlsx(content)
    data = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(data) == 4
    about = list(book.worksheets[1].iter_rows(values_only=True))
    assert about[-2][1] == 3
    assert "3" in about[-1][1]


def test_it_streams_a_csv_with_a_byte_order_mark():
    response = exports.csv_response("案件.csv", HEADERS, iter(ROWS), limit=1)
    assert response.streaming
    assert response["Content-Type"] == exports.CSV_TYPE
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff案件编号,申请人,身份证号")
    lines = text.splitlines()
    assert len(lines) == 2  # the header and one row: the limit
    assert lines[1] == "DB-1,张三,430102199001011234,512.50,2026-03-02,"


def test_it_escapes_formulas_in_csv():
    response = exports.csv_response("x.csv", ["a"], [["+1"], ["-2"], ["@x"], [-3]])
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.splitlines()[1:] == ["'+1", "'-2", "'@x", "-3"]


def test_it_answers_404_for_an_unknown_format():
    with pytest.raises(Http404):
        exports.export_response("pdf", "x", ["a"], [])
    assert exports.export_response("csv", "x", ["a"], []).streaming
    response = exports.export_response("xlsx", "x", ["a"], [])
    assert "x.xlsx" in response["Content-Disposition"]


@pytest.mark.django_db
def test_it_records_an_audited_export_before_sending_it(world):
    response = exports.audited_export(
        world["auditor"],
        "xlsx",
        "cases",
        ["a"],
        [[1], [2]],
        listing="search",
        filters={"name": "张"},
        count=2,
    )
    assert read_xlsx(response.content).worksheets[0].max_row == 3
    event = AuditEvent.objects.get(action="audit.exported")
    assert event.stream == "system"
    assert event.actor == world["auditor"]
    assert event.role == "auditor"
    assert event.payload == {
        "list": "search",
        "format": "xlsx",
        "limit": exports.EXPORT_LIMIT,
        "filters": {"name": "张"},
        "rows": 2,
    }


@pytest.mark.django_db
def test_it_refuses_an_audited_export_to_a_non_auditor(world):
    with pytest.raises(Http404):
        exports.audited_export(world["clerk"], "csv", "x", ["a"], [], listing="search")
    with pytest.raises(Http404):
        exports.audited_export(world["auditor"], "ods", "x", ["a"], [], listing="search")
    assert not AuditEvent.objects.filter(action="audit.exported").exists()
