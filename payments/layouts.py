"""The bank's file layout: which columns, in what order, how wide, in which encoding.

Banks differ, so the layout is data: a JSON file named by DOUDI_PAYMENTS_BANK_LAYOUT (or one
of the built-in names below). A layout is

    {"name": "…", "format": "csv" | "fixed", "encoding": "utf-8" | "gbk",
     "delimiter": ",", "header": true, "line_ending": "\\r\\n",
     "columns": [{"field": "card", "title": "卡号", "width": 19, "align": "left"}, …]}

`width` and `align` matter only to the fixed-width format (padded with spaces, counted in
bytes of the encoding, so a Chinese name is two bytes in GBK; a value too long is refused,
never cut). Fields: see FIELDS. Totals go in the XLSX only; a bank file is lines alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings

FIELDS = (
    "seq",  # 1, 2, 3… in the file
    "reference",  # the line's id: the bank echoes it in its results file
    "card",
    "payee",
    "bank",
    "amount",  # 2 decimals
    "amount_cents",  # whole fen, for banks that want no decimal point
    "case_number",
    "township",
    "assistance_type",
    "kind",
    "for_month",  # YYYYMM
)
ENCODINGS = ("utf-8", "gbk")


class LayoutError(ValueError):
    pass


@dataclass(frozen=True)
class Column:
    field: str
    title: str
    width: int = 0
    align: str = "left"


@dataclass(frozen=True)
class Layout:
    name: str
    format: str
    encoding: str
    columns: tuple[Column, ...]
    delimiter: str = ","
    header: bool = True
    line_ending: str = "\r\n"

    @property
    def extension(self) -> str:
        return "csv" if self.format == "csv" else "txt"


def parse_layout(raw: dict[str, Any]) -> Layout:
    if not isinstance(raw, dict):
        raise LayoutError("a layout is a JSON object")
    fmt = raw.get("format")
    if fmt not in ("csv", "fixed"):
        raise LayoutError("format is csv or fixed")
    encoding = str(raw.get("encoding", "utf-8")).lower()
    if encoding not in ENCODINGS:
        raise LayoutError(f"encoding is one of {', '.join(ENCODINGS)}")
    columns = []
    for entry in raw.get("columns") or []:
        field = entry.get("field")
        if field not in FIELDS:
            raise LayoutError(f"unknown field {field!r}; known: {', '.join(FIELDS)}")
        width = int(entry.get("width", 0))
        align = entry.get("align", "left")
        if fmt == "fixed" and width <= 0:
            raise LayoutError(f"column {field} needs a width in a fixed-width layout")
        if align not in ("left", "right"):
            raise LayoutError("align is left or right")
        columns.append(Column(field, str(entry.get("title", field)), width, align))
    if not columns:
        raise LayoutError("a layout needs columns")
    delimiter = str(raw.get("delimiter", ","))
    if fmt == "csv" and len(delimiter) != 1:
        raise LayoutError("the delimiter is one character")
    return Layout(
        name=str(raw.get("name", "custom")),
        format=fmt,
        encoding=encoding,
        columns=tuple(columns),
        delimiter=delimiter,
        header=bool(raw.get("header", fmt == "csv")),
        line_ending=str(raw.get("line_ending", "\r\n")),
    )


BUILT_IN: dict[str, dict[str, Any]] = {
    # A plain CSV any bank's batch-payment import reads, in UTF-8.
    "csv-utf8": {
        "name": "csv-utf8",
        "format": "csv",
        "encoding": "utf-8",
        "columns": [
            {"field": "reference", "title": "流水号"},
            {"field": "card", "title": "卡号"},
            {"field": "payee", "title": "户名"},
            {"field": "amount", "title": "金额"},
            {"field": "bank", "title": "开户行"},
            {"field": "assistance_type", "title": "救助类别"},
            {"field": "for_month", "title": "所属月份"},
        ],
    },
    # The fixed-width GBK text many county banks' 代发 systems take.
    "fixed-gbk": {
        "name": "fixed-gbk",
        "format": "fixed",
        "encoding": "gbk",
        "header": False,
        "columns": [
            {"field": "reference", "width": 12, "align": "right"},
            {"field": "card", "width": 19},
            {"field": "payee", "width": 20},
            {"field": "amount_cents", "width": 12, "align": "right"},
            {"field": "for_month", "width": 6},
        ],
    },
}


def configured_layout() -> Layout:
    name = getattr(settings, "PAYMENTS_BANK_LAYOUT", "csv-utf8") or "csv-utf8"
    if name in BUILT_IN:
        return parse_layout(BUILT_IN[name])
    try:
        raw = json.loads(Path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LayoutError(f"cannot read the bank layout file {name}: {exc}") from exc
    return parse_layout(raw)


def render_to(layout: Layout, rows: Iterable[dict[str, str]], out: BinaryIO) -> None:
    """Write the file line by line (rows are dicts keyed by field), never whole in memory."""
    import csv
    import io

    def write(text: str) -> None:
        out.write(text.encode(layout.encoding))

    if layout.format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=layout.delimiter, lineterminator=layout.line_ending)

        def emit(values: list[str]) -> None:
            writer.writerow(values)
            write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()

        if layout.header:
            emit([column.title for column in layout.columns])
        for row in rows:
            emit([_safe(row[column.field]) for column in layout.columns])
        return
    if layout.header:
        write(_fixed_line(layout, {c.field: c.title for c in layout.columns}) + layout.line_ending)
    for row in rows:
        write(_fixed_line(layout, row) + layout.line_ending)


def render(layout: Layout, rows: Iterable[dict[str, str]]) -> bytes:
    import io

    out = io.BytesIO()
    render_to(layout, rows, out)
    return out.getvalue()


def _safe(value: str) -> str:
    # A spreadsheet opening the CSV must not run a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _fixed_line(layout: Layout, row: dict[str, str]) -> str:
    parts = []
    for column in layout.columns:
        value = str(row[column.field])
        size = len(value.encode(layout.encoding))
        if size > column.width:
            raise LayoutError(f"{column.field} {value!r} is wider than {column.width}")
        pad = " " * (column.width - size)
        parts.append(pad + value if column.align == "right" else value + pad)
    return "".join(parts)
