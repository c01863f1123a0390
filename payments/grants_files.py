"""Reading an uploaded list of relocated households (XLSX or CSV) into rows of text.

The file is untrusted: its size, its unpacked size (an XLSX is a zip), its row count and each
cell's length are bounded; a formula is never evaluated, only reported on its row; a file
that cannot be read is refused as a whole with a plain message. Nothing here knows the
register: `payments.grants` checks each row against it.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.utils.translation import gettext_lazy as _

from assistance.errors import UserFacingError

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# An XLSX of 5,000 rows unpacks to well under 5 MB; more is not a list of households.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_ROWS = 5000
MAX_CELL_CHARS = 100
FIELDS = ("resident_id", "name", "village", "people", "card", "bank")
REQUIRED = ("resident_id", "name", "village", "people", "card")
# Header names a county's list may use for each column (compared after NFKC, lower case,
# without spaces).
HEADERS = {
    "resident_id": {"户主身份证号", "户主身份证号码", "身份证号", "身份证号码", "resident_id"},
    "name": {"户主姓名", "姓名", "户主", "name"},
    "village": {"村", "村代码", "村名", "村名称", "所在村", "村(社区)", "村社区", "village"},
    "people": {"搬迁人数", "安置人数", "人数", "people"},
    "card": {"银行卡号", "卡号", "银行账号", "社保卡号", "bank_card", "card"},
    "bank": {"开户银行", "开户行", "银行", "bank"},
}
# Characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "@", "\t", "\r")


class FileRefused(UserFacingError):
    """The whole file cannot be read; `message` says why, for the person who sent it."""


@dataclass
class RawRow:
    """One data row: the line number people see in their spreadsheet, the cells as text, and
    problems found in the cells themselves (a formula, a number Excel has rounded)."""

    line: int
    cells: dict[str, str]
    problems: list[dict[str, Any]] = field(default_factory=list)


def read_upload(name: str, data: bytes) -> list[RawRow]:
    """The data rows of an XLSX or CSV file, or raise FileRefused."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileRefused(
            _("The file is larger than %(mb)s MB: split the list.") % {"mb": MAX_UPLOAD_BYTES >> 20}
        )
    if not data.strip():
        raise FileRefused(_("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    lowered = name.lower()
    if lowered.endswith((".xlsx", ".xlsm", ".xls")) or b"\x00" in data[:4096]:
        raise FileRefused(_("Upload the list as an XLSX workbook or a CSV file."))
    return _read_csv(data)


def _read_xlsx(data: bytes) -> list[RawRow]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise FileRefused(_("Upload the list as an XLSX workbook or a CSV file.")) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileRefused(_("The workbook unpacks to too much data: split the list."))
    import openpyxl

    try:
        # Not data_only: a formula stays a formula, reported on its row, never its cached value.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a broken or foreign file
        raise FileRefused(_("Upload the list as an XLSX workbook or a CSV file.")) from exc
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise FileRefused(_("The file is empty."))
        rows: list[tuple[int, list[tuple[str, bool, bool]]]] = []
        for index, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_xlsx_cell(value) for value in values[: len(FIELDS) + 20]]
            rows.append((index, cells))
            if len(rows) > MAX_ROWS + 1 + _blank_allowance(rows):
                break
    except FileRefused:
        raise
    except Exception as exc:
        raise FileRefused(_("Upload the list as an XLSX workbook or a CSV file.")) from exc
    finally:
        book.close()
    return _rows_from(rows)


def _blank_allowance(rows: list[tuple[int, list[tuple[str, bool, bool]]]]) -> int:
    return sum(1 for _line, cells in rows if not any(text for text, _f, _r in cells))


def _xlsx_cell(value: Any) -> tuple[str, bool, bool]:
    """(text, is a formula, is a number Excel has rounded)."""
    if value is None:
        return "", False, False
    if isinstance(value, bool):
        return str(value), False, False
    if isinstance(value, int):
        return str(value), False, False
    if isinstance(value, float):
        # 15 significant digits: an ID or card typed as a number has lost its last digits.
        if abs(value) >= 1e15:
            return f"{value:.0f}", False, True
        return (str(int(value)) if value.is_integer() else str(value)), False, False
    if isinstance(value, datetime | date | time):
        return value.isoformat(), False, False
    text = str(value)
    return text, text.startswith("="), False


def _read_csv(data: bytes) -> list[RawRow]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRefused(_("The CSV file is neither UTF-8 nor GBK text."))
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[tuple[int, list[tuple[str, bool, bool]]]] = []
    try:
        reader = csv.reader(io.StringIO(text), dialect)
        for index, values in enumerate(reader, start=1):
            rows.append((index, [(value, False, False) for value in values[: len(FIELDS) + 20]]))
            if len(rows) > MAX_ROWS + 1 + _blank_allowance(rows):
                break
    except csv.Error as exc:
        raise FileRefused(
            _("The CSV file cannot be read near line %(line)s.") % {"line": len(rows) + 1}
        ) from exc
    return _rows_from(rows)


def _header_key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _rows_from(rows: list[tuple[int, list[tuple[str, bool, bool]]]]) -> list[RawRow]:
    filled = [(line, cells) for line, cells in rows if any(text.strip() for text, _f, _r in cells)]
    if not filled:
        raise FileRefused(_("The file is empty."))
    _header_line, header = filled[0]
    columns: dict[str, int] = {}
    for position, (text, _formula, _rounded) in enumerate(header):
        key = _header_key(text)
        for name, aliases in HEADERS.items():
            if key in {_header_key(alias) for alias in aliases} and name not in columns:
                columns[name] = position
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise FileRefused(
            _(
                "The first row must name the columns: resident ID of the head (户主身份证号), "
                "name (姓名), village (村), people relocated (搬迁人数), bank card (银行卡号)."
            )
        )
    data_rows = filled[1:]
    if len(data_rows) > MAX_ROWS:
        raise FileRefused(_("The list has more than %(rows)s rows: split it.") % {"rows": MAX_ROWS})
    if not data_rows:
        raise FileRefused(_("The list names no household."))
    result = []
    for line, cells in data_rows:
        row = RawRow(line=line, cells={})
        for name, position in columns.items():
            text, formula, rounded = (
                cells[position] if position < len(cells) else ("", False, False)
            )
            row.cells[name] = _clean_text(text, name, formula, rounded, row)
        for name in FIELDS:
            row.cells.setdefault(name, "")
        result.append(row)
    return result


def _clean_text(text: str, name: str, formula: bool, rounded: bool, row: RawRow) -> str:
    if formula or text.lstrip(" ").startswith(FORMULA_STARTS):
        row.problems.append({"code": "formula", "column": name})
        return ""
    if rounded:
        row.problems.append({"code": "rounded", "column": name})
        return ""
    text = unicodedata.normalize("NFKC", text).strip()
    if any(unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs") for char in text):
        row.problems.append({"code": "odd_characters", "column": name})
        return ""
    if len(text) > MAX_CELL_CHARS:
        row.problems.append({"code": "too_long", "column": name})
        return ""
    return text
