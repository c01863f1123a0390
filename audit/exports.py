"""Spreadsheet exports of the auditors' lists: XLSX (openpyxl) and streamed CSV.

Every list in the auditors' workspace is exportable with the filters it is shown with. The
helpers here only build the response; the view records the export in the audit trail first
(`audited_export` does both, see audit/actions.py `do_record_read`).

    headers = [_("Case number"), _("Applicant")]           # translated: Chinese by default
    rows = ((case.number, case.applicant_name) for case in cases.iterator())
    return xlsx_response("cases.xlsx", headers, rows)      # or csv_response(...)

- At most `EXPORT_LIMIT` rows are written (the rest are dropped, and the XLSX says so on its
  second sheet); iterate the queryset (`.iterator()`) so a large export is not held in memory.
- Strings are written as text, never as formulas: a cell that starts with = + - @ (or a tab or
  carriage return) is prefixed with an apostrophe, so a name typed as "=HYPERLINK(...)" stays a
  name in Excel (CSV/formula injection). Resident IDs stay strings (all 18 characters).
- Aware datetimes are written in the active time zone (Asia/Shanghai), without the offset,
  which Excel cannot store; dates and Decimals keep their types in the XLSX.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

EXPORT_LIMIT = 100_000
FORMATS = ("xlsx", "csv")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
# Excel reads a CSV file as UTF-8 only when it starts with a byte order mark.
BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Row = Sequence[Any]


def cell(value: Any) -> Any:
    """A value as a spreadsheet cell holds it: text never starts a formula; None is empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date | int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def bounded(rows: Iterable[Row], limit: int = EXPORT_LIMIT) -> Iterator[Row]:
    """At most `limit` rows of `rows`."""
    for index, row in enumerate(rows):
        if index >= limit:
            return
        yield row


def xlsx_bytes(
    headers: Sequence[Any],
    rows: Iterable[Row],
    *,
    sheet_title: str = "",
    about: Sequence[tuple[Any, Any]] = (),
    limit: int = EXPORT_LIMIT,
) -> bytes:
    """A workbook: one sheet of `headers` and `rows` (at most `limit`), and an "About" sheet
    with the `about` pairs (filters, who exported, when) and the row count."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title or _("Export")))
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        header_cell = WriteOnlyCell(sheet, value=cell(header))
        header_cell.font = bold
        header_cells.append(header_cell)
    sheet.append(header_cells)
    sheet.freeze_panes = "A2"
    written = 0
    truncated = False
    for index, row in enumerate(rows):
        if index >= limit:
            truncated = True
            break
        sheet.append([cell(value) for value in row])
        written += 1
    notes = workbook.create_sheet(title=_sheet_title(_("About this export")))
    for key, value in about:
        notes.append([cell(key), cell(value)])
    notes.append([_("Rows"), written])
    if truncated:
        notes.append(
            [_("Cut short"), _("Only the first %(limit)s rows were exported.") % {"limit": limit}]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    # Excel limits sheet names to 31 characters and forbids a few.
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title[:31]


def attachment(response: HttpResponse | StreamingHttpResponse, filename: str) -> None:
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"


def xlsx_response(
    filename: str,
    headers: Sequence[Any],
    rows: Iterable[Row],
    *,
    sheet_title: str = "",
    about: Sequence[tuple[Any, Any]] = (),
    limit: int = EXPORT_LIMIT,
) -> HttpResponse:
    """An XLSX download of `headers` and `rows` (see `xlsx_bytes`)."""
    body = xlsx_bytes(headers, rows, sheet_title=sheet_title, about=about, limit=limit)
    response = HttpResponse(body, content_type=XLSX_TYPE)
    attachment(response, filename)
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(
    headers: Sequence[Any], rows: Iterable[Row], *, limit: int = EXPORT_LIMIT
) -> Iterator[str]:
    """The CSV text, line by line, with a byte order mark first (for Excel)."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([cell(header) for header in headers])
    for row in bounded(rows, limit):
        yield writer.writerow([_csv_cell(value) for value in row])


def _csv_cell(value: Any) -> Any:
    value = cell(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return value


def csv_response(
    filename: str, headers: Sequence[Any], rows: Iterable[Row], *, limit: int = EXPORT_LIMIT
) -> StreamingHttpResponse:
    """A streamed CSV download (UTF-8 with a byte order mark) of at most `limit` rows.

    Rows are read while the response is sent: pass a lazy iterable (`queryset.iterator()`),
    and keep in mind that the database is read after the view has returned.
    """
    response = StreamingHttpResponse(
        (line.encode() for line in csv_lines(headers, rows, limit=limit)), content_type=CSV_TYPE
    )
    attachment(response, filename)
    return response


def export_response(
    fmt: str,
    basename: str,
    headers: Sequence[Any],
    rows: Iterable[Row],
    *,
    sheet_title: str = "",
    about: Sequence[tuple[Any, Any]] = (),
    limit: int = EXPORT_LIMIT,
) -> HttpResponse | StreamingHttpResponse:
    """`xlsx_response` or `csv_response` by `fmt` ("xlsx" or "csv"; anything else is a 404).
    `basename` is the file name without its extension."""
    if fmt == "xlsx":
        return xlsx_response(
            f"{basename}.xlsx", headers, rows, sheet_title=sheet_title, about=about, limit=limit
        )
    if fmt == "csv":
        return csv_response(f"{basename}.csv", headers, rows, limit=limit)
    raise Http404("No such format.")


def audited_export(
    actor: Any,
    fmt: str,
    basename: str,
    headers: Sequence[Any],
    rows: Iterable[Row],
    *,
    listing: str,
    case_id: int | None = None,
    count: int | None = None,
    sheet_title: str = "",
    about: Sequence[tuple[Any, Any]] = (),
    limit: int = EXPORT_LIMIT,
    **details: Any,
) -> HttpResponse | StreamingHttpResponse:
    """`export_response`, recorded first as an "audit.exported" event: no export leaves
    without its trace. The payload holds `listing` (which list), the format, the limit, the
    row `count` if known (min(count, limit) rows are written) and `details` (e.g. filters=...).
    `case_id` puts the event in that case's chain (a case file export)."""
    from audit.actions import do_record_read

    if fmt not in FORMATS:
        raise Http404("No such format.")
    do_record_read(
        case_id,
        "audit.exported",
        actor=actor,
        list=listing,
        format=fmt,
        limit=limit,
        rows=None if count is None else min(count, limit),
        **details,
    )
    return export_response(
        fmt, basename, headers, rows, sheet_title=sheet_title, about=about, limit=limit
    )
