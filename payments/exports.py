"""The roster as files: the XLSX with totals per type and township, and the bank's file in
the configured layout (payments/layouts.py). Lines are read with iterator(), never whole."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.utils.translation import gettext as _
from openpyxl import Workbook

from assistance.models import AssistanceType
from payments import layouts, queries
from payments.models import LineKind, Roster, RosterLine

# Exports up to this size stay in memory; larger ones spill to a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024


@dataclass
class ExportFile:
    """A written export: a temporary file (in memory while small), rewound, and its digest."""

    filename: str
    file: BinaryIO
    content_type: str
    layout: str
    sha256: str
    size: int

    @property
    def content(self) -> bytes:
        position = self.file.tell()
        data = self.file.read()
        self.file.seek(position)
        return data


def _spool() -> BinaryIO:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # type: ignore[return-value]


def _finished(filename: str, out: BinaryIO, content_type: str, layout: str) -> ExportFile:
    out.seek(0)
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: out.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    out.seek(0)
    return ExportFile(filename, out, content_type, layout, digest.hexdigest(), size)


def _rows(roster: Roster) -> Iterator[dict[str, str]]:
    types = dict(AssistanceType.choices)
    kinds = dict(LineKind.choices)
    lines = (
        RosterLine.objects.filter(roster=roster)
        .order_by("pk")
        .values_list(
            "pk",
            "bank_card",
            "payee_name",
            "bank_name",
            "amount",
            "case__number",
            "township__name",
            "assistance_type",
            "kind",
            "for_month",
        )
    )
    for seq, (pk, card, payee, bank, amount, number, township, kind, line_kind, month) in enumerate(
        lines.iterator(chunk_size=5000), start=1
    ):
        yield {
            "seq": str(seq),
            "reference": str(pk),
            "card": card,
            "payee": payee,
            "bank": bank,
            "amount": f"{amount:.2f}",
            "amount_cents": str(int(amount * 100)),
            "case_number": number,
            "township": township,
            "assistance_type": str(types.get(kind, kind)),
            "kind": str(kinds.get(line_kind, line_kind)),
            "for_month": f"{month:%Y%m}",
        }


def _name(roster: Roster, extension: str) -> str:
    return f"roster-{roster.county.code}-{roster.month:%Y%m}.{extension}"


def bank_file(roster: Roster) -> ExportFile:
    layout = layouts.configured_layout()
    out = _spool()
    layouts.render_to(layout, _rows(roster), out)
    charset = "gbk" if layout.encoding == "gbk" else "utf-8"
    return _finished(
        _name(roster, layout.extension), out, f"text/plain; charset={charset}", layout.name
    )


def roster_xlsx(roster: Roster) -> ExportFile:
    book = Workbook(write_only=True)
    sheet: Any = book.create_sheet(_("Payment lines"))
    headers = [
        _("Reference"),
        _("Bank card number"),
        _("Account holder"),
        _("Bank"),
        _("Amount"),
        _("Case number"),
        _("Township"),
        _("Type"),
        _("Payment"),
        _("Month paid for"),
    ]
    sheet.append(headers)
    fields = (
        "reference",
        "card",
        "payee",
        "bank",
        "amount",
        "case_number",
        "township",
        "assistance_type",
        "kind",
        "for_month",
    )
    for row in _rows(roster):
        values: list[Any] = [row[name] for name in fields]
        values[4] = float(row["amount"])
        sheet.append(values)
    summary: Any = book.create_sheet(_("Totals"))
    summary.append([_("County"), roster.county.name, _("Month"), f"{roster.month:%Y-%m}"])
    totals = queries.totals(roster)
    for title, entries in (
        (_("By type"), totals["types"]),
        (_("By township"), totals["townships"]),
    ):
        summary.append([])
        summary.append([title, _("Number of payments"), _("Amount")])
        for entry in entries:
            summary.append([entry.label, entry.count, float(entry.amount)])
    summary.append([])
    summary.append([_("Total"), roster.line_count, float(roster.total_amount)])
    out = _spool()
    book.save(out)
    return _finished(
        _name(roster, "xlsx"),
        out,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    )
