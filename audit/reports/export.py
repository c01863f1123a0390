"""A report as an XLSX workbook (openpyxl, write-only so a large report streams into it).

Sheet 1: the cases (number, kind, status, county, township, applicant, monthly amount, why,
the auditor's link to the case); sheet 2: counts per township; sheet 3: what the report is,
whose jurisdiction, when and by whom it was exported. Text never starts a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from audit.exports import cell
from audit.reports import Rule
from audit.reports.queries import Finding, TownshipCount

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def case_path(case_id: int) -> str:
    """The auditor's page of a case (audit/cases/<id>/)."""
    return f"/audit/cases/{case_id}/"


def _title(text: str) -> str:
    for char in "[]:*?/\\":
        text = text.replace(char, " ")
    return text[:31]


def workbook_bytes(
    rule: Rule,
    findings: Iterable[Finding],
    counts: Sequence[TownshipCount],
    *,
    about: Sequence[tuple[Any, Any]],
    base_url: str = "",
) -> tuple[bytes, int]:
    """The workbook and the number of cases written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(sheet: Any, names: Sequence[str]) -> None:
        cells = []
        for name in names:
            item = WriteOnlyCell(sheet, value=name)
            item.font = bold
            cells.append(item)
        sheet.append(cells)
        sheet.freeze_panes = "A2"

    cases = workbook.create_sheet(title=_title(str(rule.title)))
    cases.column_dimensions["H"].width = 80
    header(
        cases,
        [
            _("Case number"),
            _("Kind of assistance"),
            _("Status"),
            _("County"),
            _("Township"),
            pgettext("column", "Applicant"),
            _("Monthly amount"),
            _("Why"),
            _("Link"),
        ],
    )
    written = 0
    for finding in findings:
        cases.append(
            [
                cell(finding.number),
                cell(finding.kind_label),
                cell(finding.status_label),
                cell(finding.county),
                cell(finding.township),
                cell(finding.applicant),
                cell(finding.monthly_amount),
                cell(finding.why),
                cell(base_url + case_path(finding.case_id)),
            ]
        )
        written += 1
    per_township = workbook.create_sheet(title=_title(_("Per township")))
    header(per_township, [_("County"), _("Township"), _("Cases")])
    for count in counts:
        per_township.append([cell(count.county), cell(count.township.name), count.cases])
    notes = workbook.create_sheet(title=_title(_("About this report")))
    for key, value in [
        (_("Report"), str(rule.title)),
        (_("What it looks for"), str(rule.explanation)),
        *about,
        (_("Cases"), written),
    ]:
        notes.append([cell(key), cell(value)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), written
