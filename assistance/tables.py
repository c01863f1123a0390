"""Reading an uploaded table (XLSX or CSV) into rows of text, for every list staff import.

The file is untrusted: its size, its unpacked size (an XLSX is a zip), its row count and each
cell's length are bounded; a formula is never evaluated, only reported on its row; a file
that cannot be read is refused as a whole with a plain message. A `TableSpec` names the
columns a kind of list has (with the header names people use for each) and its bounds;
nothing here knows what the rows mean: the importer checks each row against the register.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from assistance.errors import UserFacingError

# Characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "@", "\t", "\r")


class FileRefused(UserFacingError):
    """The whole file cannot be read; `message` says why, for the person who sent it."""


@dataclass(frozen=True)
class TableSpec:
    fields: tuple[str, ...]
    required: tuple[str, ...]
    # Header names a list may use for each column (compared after NFKC, lower case, without
    # spaces).
    headers: Mapping[str, set[str]]
    # Said when a required column is missing: name every column and its usual header.
    missing_columns: str | Promise
    # Said when the header is all there is.
    no_rows: str | Promise
    max_bytes: int
    max_unpacked_bytes: int
    max_rows: int
    max_cell_chars: int = 100


@dataclass
class RawRow:
    """One data row: the line number people see in their spreadsheet, the cells as text, and
    problems found in the cells themselves (a formula, a number Excel has rounded)."""

    line: int
    cells: dict[str, str]
    problems: list[dict[str, Any]] = field(default_factory=list)


Cells = list[tuple[str, bool, bool]]


def read_table(spec: TableSpec, name: str, data: bytes) -> list[RawRow]:
    """The data rows of an XLSX or CSV file, or raise FileRefused."""
    if len(data) > spec.max_bytes:
        raise FileRefused(
            _("The file is larger than %(mb)s MB: split the list.")
            % {"mb": _megabytes(spec.max_bytes)}
        )
    if not data.strip():
        raise FileRefused(_("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        return _rows_from(spec, _read_xlsx(spec, data))
    lowered = name.lower()
    if lowered.endswith((".xlsx", ".xlsm", ".xls")) or b"\x00" in data[:4096]:
        raise FileRefused(_("Upload the list as an XLSX workbook or a CSV file."))
    return _rows_from(spec, _read_csv(spec, data))


def _megabytes(size: int) -> str:
    return str(size >> 20) if size >= 1 << 20 and not size % (1 << 20) else f"{size / 2**20:.1f}"


def _read_xlsx(spec: TableSpec, data: bytes) -> list[tuple[int, Cells]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise FileRefused(_("Upload the list as an XLSX workbook or a CSV file.")) from exc
    if unpacked > spec.max_unpacked_bytes:
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
        rows: list[tuple[int, Cells]] = []
        blank = 0
        for index, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_xlsx_cell(value) for value in values[: len(spec.fields) + 20]]
            rows.append((index, cells))
            blank += _is_blank(cells)
            if len(rows) > spec.max_rows + 1 + blank:
                break
    except FileRefused:
        raise
    except Exception as exc:
        raise FileRefused(_("Upload the list as an XLSX workbook or a CSV file.")) from exc
    finally:
        book.close()
    return rows


def _is_blank(cells: Cells) -> int:
    # Counted as rows come: blank rows do not count towards the bound (recounting all the
    # rows at each one made a 5,000-row list take seconds).
    return 0 if any(text for text, _f, _r in cells) else 1


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


def _read_csv(spec: TableSpec, data: bytes) -> list[tuple[int, Cells]]:
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
    rows: list[tuple[int, Cells]] = []
    blank = 0
    try:
        reader = csv.reader(io.StringIO(text), dialect)
        for index, values in enumerate(reader, start=1):
            cells = [(value, False, False) for value in values[: len(spec.fields) + 20]]
            rows.append((index, cells))
            blank += _is_blank(cells)
            if len(rows) > spec.max_rows + 1 + blank:
                break
    except csv.Error as exc:
        raise FileRefused(
            _("The CSV file cannot be read near line %(line)s.") % {"line": len(rows) + 1}
        ) from exc
    return rows


def header_key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _rows_from(spec: TableSpec, rows: list[tuple[int, Cells]]) -> list[RawRow]:
    filled = [(line, cells) for line, cells in rows if any(text.strip() for text, _f, _r in cells)]
    if not filled:
        raise FileRefused(_("The file is empty."))
    _header_line, header = filled[0]
    columns: dict[str, int] = {}
    for position, (text, _formula, _rounded) in enumerate(header):
        key = header_key(text)
        for name, aliases in spec.headers.items():
            if key in {header_key(alias) for alias in aliases} and name not in columns:
                columns[name] = position
    if any(name not in columns for name in spec.required):
        raise FileRefused(spec.missing_columns)
    data_rows = filled[1:]
    if len(data_rows) > spec.max_rows:
        raise FileRefused(
            _("The list has more than %(rows)s rows: split it.") % {"rows": spec.max_rows}
        )
    if not data_rows:
        raise FileRefused(spec.no_rows)
    result = []
    for line, cells in data_rows:
        row = RawRow(line=line, cells={})
        for name, position in columns.items():
            text, formula, rounded = (
                cells[position] if position < len(cells) else ("", False, False)
            )
            row.cells[name] = _clean_text(spec, text, name, formula, rounded, row)
        for name in spec.fields:
            row.cells.setdefault(name, "")
        result.append(row)
    return result


def _clean_text(
    spec: TableSpec, text: str, name: str, formula: bool, rounded: bool, row: RawRow
) -> str:
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
    if len(text) > spec.max_cell_chars:
        row.problems.append({"code": "too_long", "column": name})
        return ""
    return text
