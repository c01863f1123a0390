"""Reading a relocation list: XLSX and CSV (UTF-8 and GBK), limits, broken files, formulas
and odd cells reported on their row, never a crash."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from payments import grants_files
from payments.grants_files import FileRefused, read_upload
from tests.payments.grants_world import HEADER, card, csv_bytes, good_rows, rid, xlsx


def codes(row: grants_files.RawRow) -> list[str]:
    return [problem["code"] for problem in row.problems]


def test_it_reads_a_good_workbook():
    rows = read_upload("list.xlsx", xlsx(good_rows()))
    assert [row.line for row in rows] == [2, 3, 4]
    assert rows[0].cells == {
        "resident_id": rid(1),
        "name": "张大山",
        "village": "东村",
        "people": "4",
        "card": card(1),
        "bank": "",
    }
    assert all(row.problems == [] for row in rows)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_it_reads_a_csv_in_utf8_or_gbk(encoding):
    rows = read_upload("list.csv", csv_bytes(good_rows(), encoding))
    assert [row.cells["name"] for row in rows] == ["张大山", "李秀英", "王建国"]


def test_it_finds_the_columns_by_their_names_in_any_order_with_the_bank():
    header = ["开户银行", "银行卡号", "搬迁人数", "村", "姓名", "身份证号码"]
    data = xlsx([["农业银行", card(1), "4", "东村", " 张大山 ", rid(1)]], header=header)
    (row,) = read_upload("list.xlsx", data)
    assert row.cells["bank"] == "农业银行"
    assert row.cells["name"] == "张大山"
    assert row.cells["resident_id"] == rid(1)


def test_it_skips_blank_rows_and_keeps_the_spreadsheet_line_numbers():
    rows = read_upload("list.xlsx", xlsx([good_rows()[0], [None] * 5, good_rows()[1]]))
    assert [row.line for row in rows] == [2, 4]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("list.xlsx", b"", "empty"),
        ("list.xlsx", b"PK\x03\x04 not really a zip", "XLSX"),
        ("list.xls", b"\xd0\xcf\x11\xe0 old excel", "XLSX"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "XLSX"),
        ("list.csv", b"\xff\xfe\xfa garbage \xc3", "neither"),
        ("list.csv", b"a,b,c\n1,2,3\n", "first row"),
        ("list.csv", ",".join(HEADER).encode(), "no household"),
    ],
)
def test_it_refuses_a_file_it_cannot_read_with_a_plain_reason(name, data, message, settings):
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(FileRefused) as refused:
        read_upload(name, data)
    assert message in str(refused.value)


def test_it_refuses_an_oversized_file():
    with pytest.raises(FileRefused, match="超过 2 MB"):
        read_upload("list.csv", b"x" * (grants_files.MAX_UPLOAD_BYTES + 1))


def test_it_refuses_a_workbook_that_unpacks_to_too_much(monkeypatch):
    monkeypatch.setattr(grants_files, "MAX_UNPACKED_BYTES", 10_000)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 50_000)
    with pytest.raises(FileRefused, match="解压"):
        read_upload("bomb.xlsx", out.getvalue())


def test_it_refuses_too_many_rows(monkeypatch):
    monkeypatch.setattr(grants_files, "MAX_ROWS", 5)
    with pytest.raises(FileRefused, match="超过 5 行"):
        read_upload("list.csv", csv_bytes(good_rows() * 2))
    assert len(read_upload("list.csv", csv_bytes(good_rows()))) == 3


def test_it_reports_formulas_on_their_row_and_never_their_value():
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append([rid(1), '=HYPERLINK("http://evil.example","张大山")', "东村", "=2+2", card(1)])
    out = io.BytesIO()
    book.save(out)
    (row,) = read_upload("list.xlsx", out.getvalue())
    assert codes(row) == ["formula", "formula"]
    assert row.cells["name"] == "" and row.cells["people"] == ""


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "+SUM(1,2)", "@SUM(1)", "\t=1"])
def test_it_reports_csv_injection_in_a_text_cell(cell):
    (row,) = read_upload("list.csv", csv_bytes([[rid(1), cell, "东村", "4", card(1)]]))
    assert codes(row) == ["formula"]
    assert row.problems[0]["column"] == "name"


def test_it_reports_odd_cells_on_their_row():
    rows = [
        # An 18-digit ID typed as a number: Excel kept 15 digits.
        [float(rid(1)[:17] + "0"), "张大山", "东村", 4, card(1)],
        [rid(2), "李\u200b秀英", "东村", 2.5, card(2)],
        [rid(3), "王" * 150, datetime(2026, 1, 1), True, int(card(3))],
    ]
    first, second, third = read_upload("list.xlsx", xlsx(rows))
    assert codes(first) == ["rounded"]
    assert codes(second) == ["odd_characters"]
    assert second.cells["people"] == "2.5"
    # A 19-digit card stored as a number is a double in the workbook: rounded as well.
    assert codes(third) == ["too_long", "rounded"]
    assert third.cells["village"] == "2026-01-01T00:00:00"
    assert third.cells["people"] == "True"
    assert third.cells["card"] == ""


def test_it_turns_full_width_digits_into_ascii():
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in rid(1))
    (row,) = read_upload("list.csv", csv_bytes([[wide, "张大山", "东村", "４", card(1)]]))
    assert row.cells["resident_id"] == rid(1)
    assert row.cells["people"] == "4"


def test_it_reads_a_semicolon_separated_csv():
    text = ";".join(HEADER) + "\n" + ";".join(str(c) for c in good_rows()[0]) + "\n"
    (row,) = read_upload("list.csv", text.encode())
    assert row.cells["name"] == "张大山"


def test_it_reads_the_sample_lists_shipped_for_the_demo():
    from pathlib import Path

    examples = Path(__file__).resolve().parents[2] / "docs" / "examples"
    for name in ("relocation_sample.xlsx", "relocation_sample.csv"):
        rows = read_upload(name, (examples / name).read_bytes())
        assert len(rows) == 8, name
        assert all(row.problems == [] for row in rows), name
        assert rows[0].cells["name"] == "刘春花" and rows[0].cells["bank"] == "中国农业银行"
