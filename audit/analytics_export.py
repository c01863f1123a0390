"""The time-limit analytics as an XLSX workbook: one sheet per table of the page, each a
plain table (one header row, then rows) that a spreadsheet can filter and sort."""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

if TYPE_CHECKING:
    from audit.forms_analytics import Choice
    from audit.views_analytics import Row

PERCENT = "0.0%"


def _figures(row: Row) -> list[Any]:
    sample = row.sample
    limited = row.has_limit
    return [
        sample.count,
        sample.median,
        sample.p90,
        sample.overdue if limited else None,
        sample.overdue_rate if limited else None,
        sample.open,
        sample.open_overdue if limited else None,
    ]


def _figure_headers() -> list[str]:
    return [
        _("Finished"),
        _("Median (working days)"),
        _("90th percentile (working days)"),
        _("Finished late"),
        _("Overdue rate"),
        _("Under way"),
        _("Under way, past the limit"),
    ]


def _table(
    sheet: Worksheet, headers: list[str], rows: list[list[Any]], percent: int | None = None
) -> None:
    sheet.append(headers)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(values)
        if percent is not None:
            sheet.cell(row=sheet.max_row, column=percent).number_format = PERCENT
    sheet.freeze_panes = "A2"
    for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        width = max(len(str(value or "")) for value in column)
        sheet.column_dimensions[get_column_letter(index)].width = min(max(10, width * 1.6), 40)


def workbook(
    *,
    scope_name: str,
    kind_label: str,
    choice: Choice,
    stages: list[Row],
    regions: dict[str, tuple[str, list[Row]]],
    months: dict[str, tuple[str, list[Row]]],
    nodes: list[dict[str, Any]],
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Stages")
    period = f"{choice.first:%Y-%m} – {choice.last:%Y-%m}"
    sheet.append([_("Statutory time limits"), kind_label, scope_name, period])
    sheet.append([])
    header_offset = 2
    _table(
        sheet,
        [_("Stage of the procedure"), _("Limit (working days)"), *_figure_headers()],
        [[row.label, row.limit or None, *_figures(row)] for row in stages],
        percent=7,
    )
    sheet.freeze_panes = f"A{header_offset + 2}"

    by_region = book.create_sheet(_("By region"))
    _table(
        by_region,
        [_("Stage of the procedure"), _("Region"), *_figure_headers()],
        [[label, row.label, *_figures(row)] for label, rows in regions.values() for row in rows],
        percent=7,
    )

    by_month = book.create_sheet(_("By month"))
    _table(
        by_month,
        [_("Stage of the procedure"), _("Month"), *_figure_headers()[:5]],
        [[label, row.label, *_figures(row)[:5]] for label, rows in months.values() for row in rows],
        percent=7,
    )

    steps = book.create_sheet(_("Process steps"))
    _table(
        steps,
        [
            _("Step"),
            _("Element"),
            _("Cases there now"),
            _("Stays finished"),
            _("Average working days"),
        ],
        [
            [
                node["name"],
                node["element"],
                node["now"],
                node["passes"],
                None if node["average"] == "—" else float(node["average"]),
            ]
            for node in nodes
        ],
    )
    output = BytesIO()
    book.save(output)
    return output.getvalue()
